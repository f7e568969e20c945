package org.transferkit.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.transferkit.model.SkippedFile;
/**
 * Metrics of a multi-label model at one decision threshold: per label precision, recall, F1, support and
 * ROC-AUC; micro and macro F1; exact-match (subset) accuracy and Hamming loss. {@link #tuneThreshold()} finds the
 * threshold with the best micro-F1 (tune it on validation images, report on test images). Immutable.
 */
public final class MultiLabelReport implements TaskReport, PerLabelStats {
    private final List<String> labels;
    private final float[][] probabilities;
    private final float[][] truth;
    private final double threshold;
    private final List<SkippedFile> skipped;

    /**
     * @param labels label names
     * @param probabilities per image, one sigmoid probability per label
     * @param truth per image, 1 for each label it has, else 0
     * @param threshold decision threshold in (0, 1)
     * @param skipped files that could not be evaluated
     * @throws IllegalArgumentException if the shapes disagree or the threshold is outside (0, 1)
     */
    public MultiLabelReport(List<String> labels, float[][] probabilities, float[][] truth, double threshold,
            List<SkippedFile> skipped) {
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1), got " + threshold);
        }
        if (probabilities.length != truth.length) {
            throw new IllegalArgumentException(probabilities.length + " predictions for " + truth.length + " images");
        }
        for (int i = 0; i < truth.length; i++) {
            if (probabilities[i].length != labels.size() || truth[i].length != labels.size()) {
                throw new IllegalArgumentException("image " + i + " has " + probabilities[i].length + " outputs and "
                        + truth[i].length + " targets for " + labels.size() + " labels");
            }
        }
        this.labels = List.copyOf(labels);
        this.probabilities = deepCopy(probabilities);
        this.truth = deepCopy(truth);
        this.threshold = threshold;
        this.skipped = List.copyOf(skipped);
    }

    private static float[][] deepCopy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /** @param t another threshold in (0, 1) @return the same predictions judged at {@code t} */
    public MultiLabelReport withThreshold(double t) {
        return new MultiLabelReport(labels, probabilities, truth, t, skipped);
    }

    /** @return the threshold in 0.05..0.95 (steps of 0.05) with the best micro-F1; the lower one on ties */
    public double tuneThreshold() {
        double best = TaskMetrics.DEFAULT_THRESHOLD;
        double bestF1 = -1;
        for (int k = 1; k <= 19; k++) {
            double t = k * 0.05;
            double f = TaskMetrics.microF1(probabilities, truth, t);
            if (f > bestF1 + 1e-12) {
                bestF1 = f;
                best = t;
            }
        }
        return Math.round(best * 100) / 100.0;
    }

    /** @return the decision threshold */
    public double threshold() {
        return threshold;
    }

    @Override
    public Task task() {
        return Task.MULTI_LABEL;
    }

    @Override
    public long total() {
        return truth.length;
    }

    /** @return micro-F1 */
    @Override
    public double headline() {
        return microF1();
    }

    @Override
    public List<SkippedFile> skipped() {
        return skipped;
    }

    /** @return label names */
    public List<String> labels() {
        return labels;
    }

    /** @return F1 over all (image, label) decisions */
    public double microF1() {
        return TaskMetrics.microF1(probabilities, truth, threshold);
    }

    /** @param c a label index @return {tp, fp, fn, tn} of that label */
    private long[] counts(int c) {
        long[] k = new long[4];
        for (int i = 0; i < truth.length; i++) {
            boolean p = probabilities[i][c] >= threshold;
            boolean y = truth[i][c] > 0.5f;
            k[p ? (y ? 0 : 1) : (y ? 2 : 3)]++;
        }
        return k;
    }

    /** @param c label index @return precision of the label; 0 if it is never predicted */
    public double precision(int c) {
        long[] k = counts(c);
        return k[0] + k[1] == 0 ? 0 : k[0] / (double) (k[0] + k[1]);
    }

    /** @param c label index @return recall of the label; 0 if no image has it */
    public double recall(int c) {
        long[] k = counts(c);
        return k[0] + k[2] == 0 ? 0 : k[0] / (double) (k[0] + k[2]);
    }

    /** @param c label index @return F1 of the label */
    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** @param c label index @return images that have the label */
    public long support(int c) {
        long[] k = counts(c);
        return k[0] + k[2];
    }

    /** @param c label index @return ROC-AUC of the label's probability; NaN if every image has it or none does */
    public double rocAuc(int c) {
        double[] s = new double[truth.length];
        boolean[] pos = new boolean[truth.length];
        for (int i = 0; i < truth.length; i++) {
            s[i] = probabilities[i][c];
            pos[i] = truth[i][c] > 0.5f;
        }
        return RocAuc.auc(s, pos);
    }

    /** @return mean of the per-label F1 */
    public double macroF1() {
        double sum = 0;
        for (int c = 0; c < labels.size(); c++) {
            sum += f1(c);
        }
        return sum / labels.size();
    }

    /** @return share of images whose predicted label set equals the true one exactly */
    public double exactMatch() {
        if (truth.length == 0) {
            return Double.NaN;
        }
        int ok = 0;
        for (int i = 0; i < truth.length; i++) {
            boolean all = true;
            for (int c = 0; c < labels.size() && all; c++) {
                all = (probabilities[i][c] >= threshold) == (truth[i][c] > 0.5f);
            }
            ok += all ? 1 : 0;
        }
        return ok / (double) truth.length;
    }

    /** @return share of (image, label) decisions that are wrong */
    public double hammingLoss() {
        long wrong = 0;
        for (int i = 0; i < truth.length; i++) {
            for (int c = 0; c < labels.size(); c++) {
                wrong += (probabilities[i][c] >= threshold) != (truth[i][c] > 0.5f) ? 1 : 0;
            }
        }
        return truth.length == 0 ? Double.NaN : wrong / (double) (truth.length * labels.size());
    }

    /**
     * @return {@code task}, {@code threshold}, {@code micro_f1}, {@code macro_f1}, {@code exact_match},
     *     {@code hamming_loss}, {@code images}, {@code per_label} (precision, recall, f1, support, roc_auc),
     *     {@code labels}, {@code skipped}
     */
    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", Task.MULTI_LABEL.id());
        m.put("threshold", threshold);
        m.put("micro_f1", microF1());
        m.put("macro_f1", macroF1());
        m.put("exact_match", exactMatch());
        m.put("hamming_loss", hammingLoss());
        m.put("images", total());
        Map<String, Object> per = PerLabelStats.toMap(labels, this);
        m.put("per_label", per);
        m.put("labels", labels);
        List<Map<String, String>> sk = new ArrayList<>();
        skipped.forEach(s -> sk.add(Map.of("path", s.path().toString(), "reason", s.reason())));
        m.put("skipped", sk);
        return m;
    }

    @Override
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        PerLabelStats.appendRows(sb, "label", labels, this);
        sb.append(String.format(Locale.ROOT, "threshold %.2f: micro F1 %.4f, macro F1 %.4f, exact match %.4f, "
                + "Hamming loss %.4f on %d images%n", threshold, microF1(), macroF1(), exactMatch(), hammingLoss(),
                total()));
        return sb.toString();
    }
}
