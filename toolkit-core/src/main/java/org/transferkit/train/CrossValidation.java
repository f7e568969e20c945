package org.transferkit.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.TransferKitException;
import org.transferkit.engine.Engine;
import org.transferkit.engine.EngineMode;
import org.transferkit.head.TransferModel;
import org.transferkit.runtime.OpenMpCopies;
import org.transferkit.model.EpochStats;
import org.transferkit.task.Task;
import org.transferkit.task.TaskMetrics;

/**
 * Runs a {@link HeadSearch} on the training features: seeded (stratified for single-label) folds, each candidate
 * trained by the one {@link EpochLoop} with a {@link HeadPhase} on a head-only network per fold, scored by
 * {@link Task#score} on the fold's held-out part. It is given the training features only: it cannot see the
 * validation images.
 *
 * <p>A candidate's folds train at once on {@link HeadSearch#threads()} threads, each fold on one thread with its own
 * network and ND4J's thread-local random generator seeded for it, while ND4J runs each op on one thread
 * ({@link OpThreads}); so the scores are the same for any thread count (tested). Given an engine mode that trains on
 * oneDNN, each fold's head trains on the engine's training path ({@link HeadPhase}; DL4J where that path does not cover
 * the head, and the result's {@code why} says which path trained the folds and why).
 */
final class CrossValidation {
    private CrossValidation() {
    }

    /**
     * @param search the search's settings
     * @param base the run's settings (what the candidates do not change is kept)
     * @param train the training features and targets (never augmented copies)
     * @param task the task
     * @param outputs output units
     * @param featureShape the shape of one example's features
     * @param classWeights the loss's class weights, or null
     * @param engine the run's engine mode (the folds train on its training path where it covers the head), or null
     *     for DL4J
     * @return what the search did; {@link HeadSearch.Result#ran()} is false when the data is too small
     * @throws TransferKitException never in practice (no checkpoints are written)
     */
    static HeadSearch.Result run(HeadSearch search, FineTune base, DataSet train, Task task, int outputs,
            long[] featureShape, double[] classWeights, EngineMode engine) throws TransferKitException {
        long t0 = System.nanoTime();
        long seed = search.seed() != null ? search.seed() : base.seed();
        int k = search.folds();
        List<HeadSearch.Candidate> candidates = search.candidates(task);
        int n = train.numExamples();
        float[][] targets = train.getLabels().toFloatMatrix();
        String tooSmall = tooSmall(task, targets, k);
        if (tooSmall != null) {
            return new HeadSearch.Result(search, task.metricName(), 0, candidates.size(), List.of(), null, null,
                    tooSmall + "; trained the fixed defaults", seconds(t0), false);
        }
        int[] fold = folds(task, targets, k, seed);
        List<HeadSearch.Scored> tried = new ArrayList<>();
        java.util.Set<String> paths = new java.util.LinkedHashSet<>();
        boolean exceeded = false;
        ExecutorService pool = pool(search, k, engine);
        // one ND4J thread per op (see OpThreads): the folds use the cores instead, and the scores do not depend on
        // how many threads there are
        try (OpThreads one = OpThreads.one()) {
            for (HeadSearch.Candidate c : candidates) {
                if (!tried.isEmpty() && System.nanoTime() - t0 > search.budget().toNanos()) {
                    exceeded = true;
                    break;
                }
                tried.add(score(search, c, base, train, fold, k, task, outputs, featureShape, classWeights, seed,
                        pool, engine, paths));
            }
        } finally {
            pool.shutdownNow();
        }
        HeadSearch.Scored best = chooseCandidate(tried);
        FineTune chosen = best.candidate().apply(base, best.epochs());
        String why = String.format(java.util.Locale.ROOT,
                "chose %s: mean %s %.4f over %d folds of the %d training images, trained %d epochs (the latest epoch "
                        + "within one standard error of the best mean); the simplest head within one standard error "
                        + "of the best candidate's score wins; folds trained on %s",
                best.candidate().name(), task.metricName(), best.score(), k, n, best.epochs(),
                String.join(" and ", paths.stream().map(CrossValidation::describePath).toList()));
        return new HeadSearch.Result(search, task.metricName(), k, candidates.size(), tried, best, chosen, why,
                seconds(t0), exceeded);
    }

    /**
     * Scores one candidate on other features of the same training images (in the same order), with the folds and seed
     * {@link #run} used: how the thorough search compares input policies.
     *
     * @return the candidate's cross-validated score on {@code train}
     * @throws TransferKitException never in practice (no checkpoints are written)
     */
    static HeadSearch.Scored scoreOn(HeadSearch search, HeadSearch.Candidate c, FineTune base, DataSet train, Task task,
            int outputs, long[] featureShape, double[] classWeights, EngineMode engine) throws TransferKitException {
        long seed = search.seed() != null ? search.seed() : base.seed();
        int k = search.folds();
        int[] fold = folds(task, train.getLabels().toFloatMatrix(), k, seed);
        ExecutorService pool = pool(search, k, engine);
        try (OpThreads one = OpThreads.one()) {
            return score(search, c, base, train, fold, k, task, outputs, featureShape, classWeights, seed, pool, engine,
                    new java.util.HashSet<>());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * @param engine the run's engine mode: where it trains on oneDNN, its natives are loaded first, so that their
     *     OpenMP copy is found too
     * @return the threads that train a candidate's folds, each with one OpenMP thread in every OpenMP copy loaded
     *     (ND4J's, oneDNN's: a fold's native calls are too small to share out, and the folds use the cores)
     */
    private static ExecutorService pool(HeadSearch search, int k, EngineMode engine) {
        if (engine != null && Engine.enabled(engine)) {
            Engine.available();
        }
        OpenMpCopies omp = OpenMpCopies.find();
        return Executors.newFixedThreadPool(Math.min(k, search.threads()), r -> {
            Thread t = new Thread(() -> {
                OpThreads.onThisThread();
                omp.setThreadsHere(1);
                try {
                    r.run();
                } finally {
                    // the fold networks' workspaces belong to this thread: free their native memory with it
                    Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
                }
            }, "transferkit-head-search");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The candidate rule, the same one-standard-error idea as the epoch rule: candidates whose score is within one
     * standard error (of the best candidate's fold scores) of the best score cannot be told apart by the folds, and
     * the simplest of them (fewest hidden units) wins; among equally simple ones the higher score, then the earlier.
     *
     * @param tried the scored candidates, in the order tried (at least one)
     * @return the winner
     */
    static HeadSearch.Scored chooseCandidate(List<HeadSearch.Scored> tried) {
        HeadSearch.Scored top = tried.get(0);
        for (HeadSearch.Scored s : tried) {
            if (s.score() > top.score() + 1e-9) {
                top = s;
            }
        }
        double[] f = top.foldScores();
        double mean = Arrays.stream(f).average().orElse(top.score());
        double var = f.length < 2 ? 0 : Arrays.stream(f).map(v -> (v - mean) * (v - mean)).sum() / (f.length - 1);
        double floor = top.score() - Math.sqrt(var / Math.max(1, f.length)) - 1e-9;
        HeadSearch.Scored best = null;
        for (HeadSearch.Scored s : tried) {
            if (s.score() < floor) {
                continue;
            }
            if (best == null || s.candidate().complexity() < best.candidate().complexity()
                    || (s.candidate().complexity() == best.candidate().complexity() && s.score() > best.score() + 1e-9)) {
                best = s;
            }
        }
        return best;
    }

    /** @return why there are too few training images for k folds, or null if there are enough */
    static String tooSmall(Task task, float[][] targets, int k) {
        if (task == Task.SINGLE_LABEL) {
            int[] counts = new int[targets[0].length];
            for (float[] t : targets) {
                counts[TaskMetrics.argMax(t)]++;
            }
            int min = Arrays.stream(counts).min().orElse(0);
            return min < k ? "too few training images for " + k + "-fold cross-validation (smallest class has " + min
                    + ", needs " + k + ")" : null;
        }
        return targets.length < 2 * k ? "too few training images for " + k + "-fold cross-validation (" + targets.length
                + ", needs " + 2 * k + ")" : null;
    }

    /** @return each example's fold: stratified by class for single-label, else a seeded shuffle dealt round-robin */
    static int[] folds(Task task, float[][] targets, int k, long seed) {
        int n = targets.length;
        int[] fold = new int[n];
        Random rnd = new Random(seed);
        List<List<Integer>> groups = new ArrayList<>();
        if (task == Task.SINGLE_LABEL) {
            for (int c = 0; c < targets[0].length; c++) {
                groups.add(new ArrayList<>());
            }
            for (int i = 0; i < n; i++) {
                groups.get(TaskMetrics.argMax(targets[i])).add(i);
            }
        } else {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(i);
            }
            groups.add(all);
        }
        int next = 0;
        for (List<Integer> g : groups) {
            java.util.Collections.shuffle(g, rnd);
            for (int i : g) {
                fold[i] = next++ % k;
            }
        }
        return fold;
    }

    private static HeadSearch.Scored score(HeadSearch search, HeadSearch.Candidate c, FineTune base, DataSet train,
            int[] fold, int k, Task task, int outputs, long[] featureShape, double[] classWeights, long seed,
            ExecutorService pool, EngineMode engine, java.util.Set<String> paths) throws TransferKitException {
        long t0 = System.nanoTime();
        FineTune s = c.apply(base, search.maxEpochs());
        List<Future<Curve>> jobs = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            int held = f;
            jobs.add(pool.submit(() -> foldCurve(search, s, train, fold, held, task, outputs, featureShape,
                    classWeights, seed, engine)));
        }
        double[][] curves = new double[k][];
        try {
            for (int f = 0; f < k; f++) {
                Curve cv = jobs.get(f).get();
                curves[f] = cv.scores();
                paths.add(cv.path());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            jobs.forEach(j -> j.cancel(true));
            throw new IllegalStateException("head search interrupted", e);
        } catch (ExecutionException e) {
            jobs.forEach(j -> j.cancel(true));
            if (e.getCause() instanceof TransferKitException t) {
                throw t;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("head search failed: " + e.getCause(), e.getCause());
        }
        int chosenE = chooseEpoch(curves);
        double[] foldScores = new double[k];
        double mean = 0;
        for (int f = 0; f < k; f++) {
            foldScores[f] = curves[f][chosenE];
            mean += curves[f][chosenE] / k;
        }
        return new HeadSearch.Scored(c, mean, foldScores, chosenE + 1, seconds(t0));
    }

    /** One fold's held-out score per epoch, and the path that trained it ({@link HeadPhase#trainingPath()}). */
    private record Curve(double[] scores, String path) {
    }

    /** @return a training path as the search's {@code why} names it */
    private static String describePath(String path) {
        return path.equals("engine") ? "the engine (oneDNN)" : "DL4J (" + path.substring(path.indexOf(':') + 1).strip()
                + ")";
    }

    /**
     * Trains one fold (on the calling thread, which owns the fold's network and ND4J's thread-local random generator,
     * seeded here) and measures its held-out part after every epoch.
     *
     * @return the held-out score per epoch (after early stopping the fold keeps its last score), and the training path
     */
    private static Curve foldCurve(HeadSearch search, FineTune s, DataSet train, int[] fold, int f, Task task,
            int outputs, long[] featureShape, double[] classWeights, long seed, EngineMode engine)
            throws TransferKitException {
        int max = search.maxEpochs();
        DataSet fitOn = train.get(indices(fold, f, false));
        DataSet held = train.get(indices(fold, f, true));
        if (s.labelSmoothing() > 0) {
            double e = s.labelSmoothing();
            fitOn = new DataSet(fitOn.getFeatures(), fitOn.getLabels().mul(1 - e).addi(e / outputs));
        }
        Nd4j.getRandom().setSeed(seed);
        ComputationGraph head = TransferModel.headOnly(s.head(), featureShape, outputs,
                s.optimizer().updater(s.learningRate()), seed, s.weightDecay(), classWeights);
        // no pass over the fold's training part per epoch: only the held-out score is used
        try (HeadPhase phase = new HeadPhase(head, null, fitOn, held, task, s.head().loss(), s.batchSize(), seed, true,
                engine)) {
            double lr = s.learningRate();
            EpochLoop.Outcome o = EpochLoop.run(phase, new EpochLoop.Plan(1, max, e -> lr, lr, search.patience(),
                    List.of(), Double.NEGATIVE_INFINITY, 0), task, seed, null, false, TrainingListener.NONE);
            double[] curve = new double[max];
            double last = Double.NEGATIVE_INFINITY;
            List<EpochStats> h = o.history();
            for (int e = 0; e < max; e++) {
                if (e < h.size()) {
                    double v = h.get(e).valMetric();
                    last = Double.isNaN(v) ? -1e9 : v;
                }
                curve[e] = last;
            }
            return new Curve(curve, phase.trainingPath());
        } finally {
            head.close();
        }
    }

    /**
     * The epoch rule: the <em>latest</em> epoch whose mean held-out score is within one standard error (of the folds'
     * scores at the best epoch) of the best mean. Held-out parts of a few dozen images make the mean curve noisy, and
     * its first maximum comes early (a lucky spike while the head is still underfitted); epochs that the folds cannot
     * tell apart from the best are treated as equal and the longer-trained head is kept. Measured on hymenoptera
     * (docs/benchmarks.md): 10, 30 and all training images per class.
     *
     * @param curves each fold's held-out score per epoch ({@code curves[fold][epoch]}, at least 2 folds)
     * @return the chosen epoch, 0-based
     */
    static int chooseEpoch(double[][] curves) {
        int k = curves.length;
        int epochs = curves[0].length;
        double[] mean = new double[epochs];
        int best = 0;
        for (int e = 0; e < epochs; e++) {
            for (double[] fold : curves) {
                mean[e] += fold[e] / k;
            }
            if (mean[e] > mean[best] + 1e-12) {
                best = e;
            }
        }
        double var = 0;
        for (double[] fold : curves) {
            var += (fold[best] - mean[best]) * (fold[best] - mean[best]) / (k - 1);
        }
        double floor = mean[best] - Math.sqrt(var / k) - 1e-12;
        int chosen = best;
        for (int e = best; e < epochs; e++) {
            if (mean[e] >= floor) {
                chosen = e;
            }
        }
        return chosen;
    }

    private static int[] indices(int[] fold, int f, boolean heldOut) {
        return java.util.stream.IntStream.range(0, fold.length).filter(i -> (fold[i] == f) == heldOut).toArray();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
