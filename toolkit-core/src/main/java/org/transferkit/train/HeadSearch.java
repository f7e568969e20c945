package org.transferkit.train;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.transferkit.head.HeadSpec;
import org.transferkit.task.Task;

/**
 * Head search: which head, optimizer, learning rate, weight decay, label smoothing and epoch count to train, chosen by
 * k-fold cross-validation on the cached features of the <em>training</em> images only. The validation (and test)
 * images are never shown to the search, so the figures reported on them stay honest. The winner is then trained on
 * all training images for the epoch count cross-validation chose, and the validation images pick nothing (the last
 * epoch is kept).
 *
 * <p>When it runs: on by default ({@link #quick()}) for a frozen backbone, when the searched settings (head layers and
 * dropout, optimizer, learning rate, epochs, weight decay, label smoothing, patience, schedule) are all left at their
 * defaults. Setting any of them trains exactly what was set (the search steps aside and says so); so does a
 * from-scratch backbone or phase 2 ({@code unfreeze}). Pooling, loss, batch size, class weights and augmentation are
 * kept as given (augmented copies are not shown to the search: a copy of a held-out image would leak into its fold).
 *
 * <p>Small-data rule: the search needs at least {@code k} training images in every class (single-label) or
 * {@code 2k} training images (multi-label, regression); with fewer it falls back to the fixed defaults.
 *
 * <p>The space ({@link #candidates}): quick tries 6 candidates, in this order (a spent budget keeps the first ones):
 * linear with dropout 0.2 on the features and SGD-momentum 1e-3 (the best recipe measured on real photos, see
 * docs/benchmarks.md); linear with Adam 1e-3 and with SGD 1e-2; one hidden layer of 128 (dropout 0.2) and of 256
 * (dropout 0.5) with Adam 1e-3; for single-label, the 128 head with label smoothing 0.1; each for up to 100 epochs
 * with early stopping
 * (patience 15) on each fold's held-out part. (Linear Adam 1e-4 and AdamW 1e-3 with weight decay 0.01 were in quick
 * too; on hymenoptera with 10, 30 and all training images per class and on the demo shapes neither was ever the best
 * candidate, AdamW always scored exactly as Adam, so they are left to thorough.) Thorough tries heads {linear, 128/0.2, 128/0.5, 256/0.5} x {Adam 1e-3,
 * Adam 3e-4, SGD 1e-3, SGD 1e-2} x weight decay {0, 0.01} x label smoothing {0, 0.1 (single-label)}, up to 150
 * epochs (patience 20); from images, thorough then also compares the input policies squash and centre crop for the
 * winner ({@link Result#inputPolicy()}, see {@code InputPolicies}) and trains, validates and saves with the chosen
 * one. The score is the task's selection metric ({@link Task#score}: accuracy, micro-F1 or R²)
 * averaged over the folds at each epoch; the epoch count is the latest epoch whose mean is within one standard error
 * of the best mean (the folds cannot tell those epochs apart, and the first maximum of a noisy curve comes early), and
 * the candidate's score is the mean there. The winner is the simplest candidate (fewest hidden units) whose score is
 * within one standard error of the best candidate's (then the higher score, then the earlier). Candidates are tried in
 * order until the time budget is spent (a started candidate finishes).
 *
 * <p>Immutable.
 */
public final class HeadSearch {
    /** How much to try. */
    public enum Mode { OFF, QUICK, THOROUGH }

    /** Default folds. */
    public static final int DEFAULT_FOLDS = 5;

    private final Mode mode;
    private final int folds;
    private final Duration budget;
    private final Long seed;
    private final int maxEpochs;
    private final int threads;

    private HeadSearch(Mode mode, int folds, Duration budget, Long seed) {
        this(mode, folds, budget, seed, mode == Mode.THOROUGH ? 150 : 100, defaultThreads());
    }

    private HeadSearch(Mode mode, int folds, Duration budget, Long seed, int maxEpochs, int threads) {
        this.maxEpochs = maxEpochs;
        this.threads = threads;
        this.mode = mode;
        this.folds = folds;
        this.budget = budget;
        this.seed = seed;
    }

    /** @return no search: the settings are trained as given */
    public static HeadSearch off() {
        return new HeadSearch(Mode.OFF, DEFAULT_FOLDS, Duration.ZERO, null);
    }

    /** @return the default: 6 candidates (5 for multi-label and regression), 5 folds, a 120 s budget */
    public static HeadSearch quick() {
        return new HeadSearch(Mode.QUICK, DEFAULT_FOLDS, Duration.ofSeconds(120), null);
    }

    /** @return a grid of 64 candidates (48 for multi-label and regression), 5 folds, a 600 s budget */
    public static HeadSearch thorough() {
        return new HeadSearch(Mode.THOROUGH, DEFAULT_FOLDS, Duration.ofSeconds(600), null);
    }

    /**
     * @param s {@code off}, {@code quick} or {@code thorough} (any case)
     * @return that mode with its defaults
     * @throws IllegalArgumentException otherwise
     */
    public static HeadSearch parse(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "off" -> off();
            case "quick" -> quick();
            case "thorough" -> thorough();
            default -> throw new IllegalArgumentException("unknown search '" + s + "'; valid: off, quick, thorough");
        };
    }

    /** @param k folds, 2..20 @return a copy with k folds @throws IllegalArgumentException otherwise */
    public HeadSearch withFolds(int k) {
        if (k < 2 || k > 20) {
            throw new IllegalArgumentException("search folds must be in 2..20, got " + k);
        }
        return new HeadSearch(mode, k, budget, seed, maxEpochs, threads);
    }

    /** @param d the time budget, > 0 @return a copy with it @throws IllegalArgumentException if not positive */
    public HeadSearch withBudget(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("search budget must be > 0, got " + d);
        }
        return new HeadSearch(mode, folds, d, seed, maxEpochs, threads);
    }

    /** @param s seeds the folds and the candidates' training (default: the run's seed) @return a copy with it */
    public HeadSearch withSeed(long s) {
        return new HeadSearch(mode, folds, budget, s, maxEpochs, threads);
    }

    /** @return the mode */
    public Mode mode() {
        return mode;
    }

    /** @return k */
    public int folds() {
        return folds;
    }

    /** @return the time budget (no new candidate starts after it) */
    public Duration budget() {
        return budget;
    }

    /** @return the search's own seed, or null for the run's */
    public Long seed() {
        return seed;
    }

    /**
     * @param n at most this many epochs per candidate and fold, >= 1 (default 100 quick, 150 thorough)
     * @return a copy with it
     * @throws IllegalArgumentException if < 1
     */
    public HeadSearch withMaxEpochs(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("search epochs must be >= 1, got " + n);
        }
        return new HeadSearch(mode, folds, budget, seed, n, threads);
    }

    /** @return at most this many epochs per candidate and fold */
    public int maxEpochs() {
        return maxEpochs;
    }

    /**
     * @param n threads that train a candidate's folds at once, 1..64 (default: the machine's cores, at most 8); each
     *     fold trains on one thread with its own seeded network, so the result does not depend on {@code n}
     * @return a copy with it
     * @throws IllegalArgumentException otherwise
     */
    public HeadSearch withThreads(int n) {
        if (n < 1 || n > 64) {
            throw new IllegalArgumentException("search threads must be in 1..64, got " + n);
        }
        return new HeadSearch(mode, folds, budget, seed, maxEpochs, n);
    }

    /** @return threads that train a candidate's folds at once */
    public int threads() {
        return threads;
    }

    private static int defaultThreads() {
        return Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
    }

    int patience() {
        return mode == Mode.THOROUGH ? 20 : 15;
    }

    @Override
    public String toString() {
        if (mode == Mode.OFF) {
            return "off";
        }
        return String.format(Locale.ROOT, "%s (%d folds, budget %d s, up to %d epochs%s)",
                mode.name().toLowerCase(Locale.ROOT), folds, budget.toSeconds(), maxEpochs,
                seed == null ? "" : ", seed " + seed);
    }

    /**
     * One point of the space.
     *
     * @param name a short readable name, e.g. {@code linear adam 1e-3}
     * @param hidden the hidden layer sizes (empty: linear)
     * @param dropout the head's dropout
     * @param optimizer the update rule
     * @param learningRate its rate
     * @param weightDecay decoupled weight decay
     * @param labelSmoothing label smoothing (single-label only)
     */
    public record Candidate(String name, int[] hidden, double dropout, Optimizer optimizer, double learningRate,
            double weightDecay, double labelSmoothing) {
        /** @return the hidden units (0 for linear): ties go to the smaller */
        public int complexity() {
            return Arrays.stream(hidden).sum();
        }

        /**
         * @param base the run's settings (pooling, loss, task, batch, class weights, augmentation and seed are kept)
         * @param epochs the epochs to train
         * @return the settings this candidate trains with
         */
        public FineTune apply(FineTune base, int epochs) {
            HeadSpec h = base.head();
            HeadSpec head = HeadSpec.builder().hidden(hidden).dropout(dropout).pooling(h.pooling()).task(h.task())
                    .loss(h.loss()).build();
            return base.toBuilder().head(head).optimizer(optimizer).learningRate(learningRate).weightDecay(weightDecay)
                    .labelSmoothing(labelSmoothing).epochs(epochs).patience(0).schedule(LrSchedule.constant()).build();
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("hidden", Arrays.stream(hidden).boxed().toList());
            m.put("dropout", dropout);
            m.put("optimizer", optimizer.name().toLowerCase(Locale.ROOT));
            m.put("learning_rate", learningRate);
            m.put("weight_decay", weightDecay);
            m.put("label_smoothing", labelSmoothing);
            return m;
        }
    }

    /**
     * @param task the task (label smoothing only for tasks that {@link Task#weighsClasses()})
     * @return the candidates of this mode, simpler first (empty when off)
     */
    public List<Candidate> candidates(Task task) {
        boolean smooth = task.weighsClasses();
        List<Candidate> c = new ArrayList<>();
        if (mode == Mode.QUICK) {
            // first the recipe measured best on real photos (docs/benchmarks.md): if the budget stops the search after
            // one candidate, that is what trains
            c.add(cand(new int[0], 0.2, Optimizer.SGD, 1e-3, 0, 0));
            c.add(cand(new int[0], 0, Optimizer.ADAM, 1e-3, 0, 0));
            c.add(cand(new int[0], 0, Optimizer.SGD, 1e-2, 0, 0));
            c.add(cand(new int[] {128}, 0.2, Optimizer.ADAM, 1e-3, 0, 0));
            c.add(cand(new int[] {256}, 0.5, Optimizer.ADAM, 1e-3, 0, 0));
            if (smooth) {
                c.add(cand(new int[] {128}, 0.2, Optimizer.ADAM, 1e-3, 0, 0.1));
            }
        } else if (mode == Mode.THOROUGH) {
            int[][] heads = {{}, {128}, {128}, {256}};
            double[] drops = {0, 0.2, 0.5, 0.5};
            Optimizer[] opts = {Optimizer.ADAM, Optimizer.ADAM, Optimizer.SGD, Optimizer.SGD};
            double[] lrs = {1e-3, 3e-4, 1e-3, 1e-2};
            for (int h = 0; h < heads.length; h++) {
                for (int o = 0; o < opts.length; o++) {
                    for (double wd : new double[] {0, 1e-2}) {
                        for (double ls : smooth ? new double[] {0, 0.1} : new double[] {0}) {
                            c.add(cand(heads[h], drops[h], opts[o], lrs[o], wd, ls));
                        }
                    }
                }
            }
        }
        return List.copyOf(c);
    }

    private static Candidate cand(int[] hidden, double dropout, Optimizer o, double lr, double wd, double ls) {
        StringBuilder n = new StringBuilder((hidden.length == 0 ? "linear" : "hidden " + Arrays.toString(hidden))
                + (dropout > 0 ? String.format(Locale.ROOT, " drop %.1f", dropout) : ""));
        n.append(' ').append(o == Optimizer.ADAM && wd > 0 ? "adamw" : o.name().toLowerCase(Locale.ROOT))
                .append(String.format(Locale.ROOT, " %.0e", lr));
        if (wd > 0) {
            n.append(String.format(Locale.ROOT, " wd %.0e", wd));
        }
        if (ls > 0) {
            n.append(String.format(Locale.ROOT, " ls %.1f", ls));
        }
        return new Candidate(n.toString(), hidden, dropout, o, lr, wd, ls);
    }

    /**
     * @param s a run's settings
     * @return the searched settings that differ from {@link FineTune#builder()}'s defaults (the search steps aside
     *     when there is any)
     */
    public static List<String> explicitlySet(FineTune s) {
        FineTune d = FineTune.builder().build();
        List<String> set = new ArrayList<>();
        if (!Arrays.equals(s.head().hidden(), d.head().hidden()) || s.head().dropout() != d.head().dropout()) {
            set.add("head");
        }
        if (s.epochs() != d.epochs()) {
            set.add("epochs");
        }
        if (s.learningRate() != d.learningRate()) {
            set.add("learning rate");
        }
        if (s.optimizer() != d.optimizer()) {
            set.add("optimizer");
        }
        if (s.weightDecay() != d.weightDecay()) {
            set.add("weight decay");
        }
        if (s.labelSmoothing() != d.labelSmoothing()) {
            set.add("label smoothing");
        }
        if (s.patience() != d.patience()) {
            set.add("patience");
        }
        if (!s.schedule().toString().equals(d.schedule().toString())) {
            set.add("schedule");
        }
        return set;
    }

    /**
     * A candidate's cross-validated score.
     *
     * @param candidate the candidate
     * @param score the mean over folds of the held-out metric at {@code epochs}
     * @param foldScores each fold's held-out metric at {@code epochs}
     * @param epochs the chosen epoch count: the latest within one standard error of the best mean held-out metric
     * @param seconds time spent on it
     */
    public record Scored(Candidate candidate, double score, double[] foldScores, int epochs, double seconds) {
        Map<String, Object> toMap() {
            Map<String, Object> m = candidate.toMap();
            m.put("cv_score", score);
            m.put("cv_fold_scores", Arrays.stream(foldScores).boxed().toList());
            m.put("epochs", epochs);
            m.put("seconds", Math.round(seconds * 100) / 100.0);
            return m;
        }
    }

    /**
     * One input policy's cross-validated score: the chosen candidate trained on the training images featurized that
     * way, with the same folds and seed.
     *
     * @param policy how images were fitted to the backbone's input, e.g. {@code squash} or {@code center-crop}
     * @param score the mean held-out metric over the folds at {@code epochs}
     * @param foldScores each fold's held-out metric there
     * @param epochs the epoch count the epoch rule chose on these features
     */
    public record PolicyScore(String policy, double score, double[] foldScores, int epochs) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("policy", policy);
            m.put("cv_score", score);
            m.put("cv_fold_scores", Arrays.stream(foldScores).boxed().toList());
            m.put("epochs", epochs);
            return m;
        }
    }

    /**
     * The thorough search's comparison of input policies at featurizing time.
     *
     * @param chosen the policy the model was trained with, and predicts with (the bundle's preprocessing)
     * @param scored every policy compared, the backbone's own first
     * @param why the rule that chose
     */
    public record InputPolicy(String chosen, List<PolicyScore> scored, String why) {
        public InputPolicy {
            scored = List.copyOf(scored);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("chosen", chosen);
            m.put("on", "training images only (the same folds and seed as the head search)");
            m.put("compared", scored.stream().map(PolicyScore::toMap).toList());
            m.put("why", why);
            return m;
        }
    }

    /**
     * What a search did.
     *
     * @param search the search's settings
     * @param metric the metric compared ({@link Task#metricName()})
     * @param folds the folds used (0 when it did not run)
     * @param planned candidates in the space
     * @param tried the candidates tried, in order, with their scores
     * @param chosen the winner, or null when the search did not run (then {@code why} says why)
     * @param settings the winner's settings (trained on all training images), or null
     * @param why why this outcome
     * @param seconds the search's time
     * @param budgetExceeded true if candidates were left untried because the budget was spent
     * @param inputPolicy the input-policy comparison ({@link Mode#THOROUGH} from images), or null
     */
    public record Result(HeadSearch search, String metric, int folds, int planned, List<Scored> tried, Scored chosen,
            FineTune settings, String why, double seconds, boolean budgetExceeded, InputPolicy inputPolicy) {
        public Result {
            Objects.requireNonNull(search, "search");
            tried = List.copyOf(tried);
        }

        /** A result without an input-policy comparison (every mode but thorough). */
        Result(HeadSearch search, String metric, int folds, int planned, List<Scored> tried, Scored chosen,
                FineTune settings, String why, double seconds, boolean budgetExceeded) {
            this(search, metric, folds, planned, tried, chosen, settings, why, seconds, budgetExceeded, null);
        }

        /**
         * @param policy the input-policy comparison
         * @param winner the chosen candidate as scored on the chosen policy's features (its epoch count is trained)
         * @param extraSeconds the comparison's time
         * @return a copy that records the comparison and trains the winner for the chosen policy's epoch count
         */
        Result withInputPolicy(InputPolicy policy, Scored winner, double extraSeconds) {
            return new Result(search, metric, folds, planned, tried, winner,
                    winner.candidate().apply(settings, winner.epochs()), why, seconds + extraSeconds, budgetExceeded,
                    policy);
        }

        /** @return true if a candidate was chosen (the run trained the winner) */
        public boolean ran() {
            return chosen != null;
        }

        /** @return a JSON-ready map for {@code metrics.json} and the bundle's provenance */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", search.mode().name().toLowerCase(Locale.ROOT));
            m.put("ran", ran());
            m.put("on", "training images only (k-fold cross-validation); validation and test images are never used");
            m.put("folds", folds);
            m.put("metric", metric);
            m.put("budget_seconds", search.budget().toMillis() / 1000.0);
            m.put("seconds", Math.round(seconds * 100) / 100.0);
            m.put("candidates_planned", planned);
            m.put("candidates_tried", tried.size());
            m.put("budget_exceeded", budgetExceeded);
            m.put("candidates", tried.stream().map(Scored::toMap).toList());
            m.put("chosen", chosen == null ? null : chosen.toMap());
            m.put("why", why);
            if (inputPolicy != null) {
                m.put("input_policy", inputPolicy.toMap());
            }
            return m;
        }

        /** @return the candidates and their cross-validated scores as a console table, the winner marked */
        public String toTable() {
            StringBuilder t = new StringBuilder();
            t.append(String.format(Locale.ROOT, "head search %s: %s%n", search, why));
            if (tried.isEmpty()) {
                return t.toString();
            }
            t.append(String.format(Locale.ROOT, "  %-40s %10s %8s %8s%n", "candidate", "cv " + shortName(metric),
                    "epochs", "seconds"));
            for (Scored s : tried) {
                t.append(String.format(Locale.ROOT, "%s %-40s %10.4f %8d %8.1f%n", s == chosen ? "*" : " ",
                        s.candidate().name(), s.score(), s.epochs(), s.seconds()));
            }
            t.append(String.format(Locale.ROOT, "  tried %d of %d candidates in %.1f s%s%n", tried.size(), planned,
                    seconds, budgetExceeded ? " (time budget reached)" : ""));
            if (inputPolicy != null) {
                for (PolicyScore p : inputPolicy.scored()) {
                    t.append(String.format(Locale.ROOT, "%s input %-34s %10.4f %8d%n",
                            p.policy().equals(inputPolicy.chosen()) ? "*" : " ", p.policy(), p.score(), p.epochs()));
                }
                t.append("  ").append(inputPolicy.why()).append(System.lineSeparator());
            }
            return t.toString();
        }

        private static String shortName(String metric) {
            return metric.length() > 8 ? metric.substring(0, 8) : metric;
        }
    }
}
