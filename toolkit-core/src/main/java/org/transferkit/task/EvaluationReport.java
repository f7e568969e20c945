package org.transferkit.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.transferkit.model.SkippedFile;

/**
 * Metrics of one classifier on one set of labelled images. Immutable; built from a confusion matrix
 * (rows: true class, columns: predicted class).
 */
public final class EvaluationReport implements TaskReport, PerLabelStats {
    private final List<String> labels;
    private final long[][] confusion;
    private final List<SkippedFile> skipped;
    private final List<ExamplePrediction> examples;

    /**
     * @param labels class names
     * @param confusion counts, {@code [true][predicted]}, square of the labels' size
     * @param skipped files that could not be evaluated
     * @throws IllegalArgumentException if the matrix is not square of the labels' size
     */
    public EvaluationReport(List<String> labels, long[][] confusion, List<SkippedFile> skipped) {
        this(labels, confusion, skipped, List.of());
    }

    private EvaluationReport(List<String> labels, long[][] confusion, List<SkippedFile> skipped,
            List<ExamplePrediction> examples) {
        this.examples = List.copyOf(examples);
        this.labels = List.copyOf(labels);
        if (confusion.length != labels.size()) {
            throw new IllegalArgumentException("confusion matrix has " + confusion.length + " rows for "
                    + labels.size() + " labels");
        }
        this.confusion = new long[confusion.length][];
        for (int i = 0; i < confusion.length; i++) {
            if (confusion[i].length != labels.size()) {
                throw new IllegalArgumentException("confusion matrix row " + i + " has " + confusion[i].length
                        + " columns for " + labels.size() + " labels");
            }
            this.confusion[i] = confusion[i].clone();
        }
        this.skipped = List.copyOf(skipped);
    }

    /**
     * Builds a report from per-image predictions; top-k accuracy, ROC-AUC and the misclassified
     * gallery need these.
     *
     * @param labels class names
     * @param examples one per evaluated image
     * @param skipped files that could not be evaluated
     * @return the report
     * @throws IllegalArgumentException if an example's probabilities do not have one value per label
     */
    public static EvaluationReport fromExamples(List<String> labels, List<ExamplePrediction> examples,
            List<SkippedFile> skipped) {
        long[][] confusion = new long[labels.size()][labels.size()];
        for (ExamplePrediction e : examples) {
            if (e.probabilities().length != labels.size()) {
                throw new IllegalArgumentException(e.path() + ": " + e.probabilities().length + " probabilities for "
                        + labels.size() + " labels");
            }
            confusion[e.trueLabel()][e.predicted()]++;
        }
        return new EvaluationReport(labels, confusion, skipped, examples);
    }

    /** @return per-image predictions (empty for a report built from a confusion matrix alone) */
    public List<ExamplePrediction> examples() {
        return examples;
    }

    /**
     * @param k how many top classes count, >= 1
     * @return share of images whose true class is among the {@code k} most probable; NaN without
     *     per-image predictions
     * @throws IllegalArgumentException if {@code k < 1}
     */
    public double topKAccuracy(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        if (examples.isEmpty()) {
            return Double.NaN;
        }
        return examples.stream().filter(e -> e.inTopK(k)).count() / (double) examples.size();
    }

    /**
     * @param c class index
     * @return one-vs-rest ROC-AUC of class {@code c}; NaN without per-image predictions or when the
     *     images hold no positives or no negatives of {@code c}
     */
    public double rocAuc(int c) {
        return examples.isEmpty() ? Double.NaN : RocAuc.oneVsRest(examples, c);
    }

    /**
     * @param n at most this many
     * @return wrongly classified images, the most confidently wrong first
     */
    public List<ExamplePrediction> worstMisclassified(int n) {
        return examples.stream().filter(e -> !e.correct())
                .sorted((a, b) -> Float.compare(b.probabilities()[b.predicted()], a.probabilities()[a.predicted()]))
                .limit(n).toList();
    }

    /** @return class names */
    public List<String> labels() {
        return labels;
    }

    /** @return images evaluated */
    @Override
    public long total() {
        long n = 0;
        for (long[] row : confusion) {
            for (long v : row) {
                n += v;
            }
        }
        return n;
    }

    /** @return a copy of the confusion matrix {@code [true][predicted]} */
    public long[][] confusion() {
        long[][] c = new long[confusion.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = confusion[i].clone();
        }
        return c;
    }

    /** @return files that could not be evaluated */
    @Override
    public List<SkippedFile> skipped() {
        return skipped;
    }

    /** @return share of images whose top prediction is right; NaN with no images */
    public double accuracy() {
        long right = 0;
        for (int i = 0; i < confusion.length; i++) {
            right += confusion[i][i];
        }
        long n = total();
        return n == 0 ? Double.NaN : right / (double) n;
    }

    /** @param c class index @return images of class {@code c} */
    public long support(int c) {
        long n = 0;
        for (long v : confusion[c]) {
            n += v;
        }
        return n;
    }

    /** @param c class index @return of the images predicted as {@code c}, the share that are {@code c}; 0 if none */
    public double precision(int c) {
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[c];
        }
        return predicted == 0 ? 0 : confusion[c][c] / (double) predicted;
    }

    /** @param c class index @return of the images of class {@code c}, the share predicted as {@code c}; 0 if none */
    public double recall(int c) {
        long s = support(c);
        return s == 0 ? 0 : confusion[c][c] / (double) s;
    }

    /** @param c class index @return harmonic mean of precision and recall; 0 if both are 0 */
    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** @return macro-averaged F1 (unweighted mean over classes) */
    public double macroF1() {
        return average(this::f1, false);
    }

    private double average(java.util.function.IntToDoubleFunction metric, boolean weighted) {
        double s = 0;
        double w = 0;
        for (int c = 0; c < labels.size(); c++) {
            double weight = weighted ? support(c) : 1;
            s += weight * metric.applyAsDouble(c);
            w += weight;
        }
        return w == 0 ? Double.NaN : s / w;
    }

    private Map<String, Object> averages(boolean weighted) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("precision", average(this::precision, weighted));
        m.put("recall", average(this::recall, weighted));
        m.put("f1", average(this::f1, weighted));
        return m;
    }

    /**
     * @return the metrics as a JSON-ready map: {@code accuracy}, {@code macro_f1}, {@code images},
     *     {@code per_class} (precision, recall, f1, support, roc_auc by label), {@code macro_avg},
     *     {@code weighted_avg}, {@code top_k_accuracy} (with per-image predictions), {@code labels},
     *     {@code confusion_matrix}, {@code skipped} (path and reason)
     */
    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", accuracy());
        m.put("macro_f1", macroF1());
        m.put("images", total());
        Map<String, Object> perClass = PerLabelStats.toMap(labels, this);
        m.put("per_class", perClass);
        m.put("macro_avg", averages(false));
        m.put("weighted_avg", averages(true));
        if (!examples.isEmpty()) {
            Map<String, Object> topK = new LinkedHashMap<>();
            for (int k = 1; k <= Math.min(5, labels.size()); k++) {
                topK.put("top_" + k, topKAccuracy(k));
            }
            m.put("top_k_accuracy", topK);
        }
        m.put("labels", labels);
        m.put("confusion_matrix", confusion());
        List<Map<String, String>> sk = new ArrayList<>();
        for (SkippedFile s : skipped) {
            sk.add(Map.of("path", s.path().toString(), "reason", s.reason()));
        }
        m.put("skipped", sk);
        return m;
    }

    /** @return {@link Task#SINGLE_LABEL} */
    @Override
    public Task task() {
        return Task.SINGLE_LABEL;
    }

    /** @return the accuracy */
    @Override
    public double headline() {
        return accuracy();
    }

    /** @return a console table: per-class metrics, then the confusion matrix */
    @Override
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        int w = PerLabelStats.appendRows(sb, "class", labels, this);
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  %9.3f  %6.3f  %5.3f  %7d%n", "macro avg",
                average(this::precision, false), average(this::recall, false), macroF1(), total()));
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  %9.3f  %6.3f  %5.3f  %7d%n", "weighted avg",
                average(this::precision, true), average(this::recall, true), average(this::f1, true), total()));
        if (!examples.isEmpty() && labels.size() > 2) {
            sb.append(String.format(Locale.ROOT, "top-2 accuracy %.4f%n", topKAccuracy(2)));
        }
        sb.append(String.format(Locale.ROOT, "accuracy %.4f on %d images (macro F1 %.4f)%n", accuracy(), total(),
                macroF1()));
        sb.append("confusion matrix (rows: true, columns: predicted)\n");
        sb.append(String.format(Locale.ROOT, "%-" + w + "s", ""));
        for (String l : labels) {
            sb.append(String.format(Locale.ROOT, " %" + Math.max(6, l.length()) + "s", l));
        }
        sb.append('\n');
        for (int r = 0; r < labels.size(); r++) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", labels.get(r)));
            for (int c = 0; c < labels.size(); c++) {
                sb.append(String.format(Locale.ROOT, " %" + Math.max(6, labels.get(c).length()) + "d", confusion[r][c]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
