package org.transferkit.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.transferkit.model.SkippedFile;
/**
 * Metrics of a regression model, per target and averaged: MAE, RMSE and R² (1 − residual / total sum of squares;
 * 0 is no better than predicting the mean, negative is worse). Values are in the targets' own units. Immutable.
 */
public final class RegressionReport implements TaskReport {
    private final List<String> names;
    private final float[][] predicted;
    private final float[][] truth;
    private final List<SkippedFile> skipped;

    /**
     * @param names target names
     * @param predicted per image, one value per target
     * @param truth per image, the true values
     * @param skipped files that could not be evaluated
     * @throws IllegalArgumentException if the shapes disagree
     */
    public RegressionReport(List<String> names, float[][] predicted, float[][] truth, List<SkippedFile> skipped) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException(predicted.length + " predictions for " + truth.length + " images");
        }
        for (int i = 0; i < truth.length; i++) {
            if (predicted[i].length != names.size() || truth[i].length != names.size()) {
                throw new IllegalArgumentException("image " + i + " has " + predicted[i].length + " outputs and "
                        + truth[i].length + " targets for " + names.size() + " targets");
            }
        }
        this.names = List.copyOf(names);
        this.predicted = predicted.clone();
        this.truth = truth.clone();
        this.skipped = List.copyOf(skipped);
    }

    @Override
    public Task task() {
        return Task.REGRESSION;
    }

    @Override
    public long total() {
        return truth.length;
    }

    /** @return the mean R² over targets */
    @Override
    public double headline() {
        return truth.length == 0 ? Double.NaN : TaskMetrics.meanR2(predicted, truth);
    }

    @Override
    public List<SkippedFile> skipped() {
        return skipped;
    }

    /** @param c target index @return mean absolute error */
    public double mae(int c) {
        double s = 0;
        for (int i = 0; i < truth.length; i++) {
            s += Math.abs(predicted[i][c] - truth[i][c]);
        }
        return s / truth.length;
    }

    /** @param c target index @return root mean squared error */
    public double rmse(int c) {
        double s = 0;
        for (int i = 0; i < truth.length; i++) {
            double d = predicted[i][c] - truth[i][c];
            s += d * d;
        }
        return Math.sqrt(s / truth.length);
    }

    /** @param c target index @return R²; NaN if the true values are constant */
    public double r2(int c) {
        return TaskMetrics.r2(predicted, truth, c);
    }

    /** @return {@code task}, {@code r2} (mean), {@code mae}, {@code rmse} (means), {@code images}, {@code per_target}, {@code skipped} */
    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", Task.REGRESSION.id());
        m.put("r2", nullIfNaN(headline()));
        double mae = 0;
        double rmse = 0;
        Map<String, Object> per = new LinkedHashMap<>();
        for (int c = 0; c < names.size(); c++) {
            Map<String, Object> pc = new LinkedHashMap<>();
            pc.put("mae", mae(c));
            pc.put("rmse", rmse(c));
            pc.put("r2", nullIfNaN(r2(c)));
            per.put(names.get(c), pc);
            mae += mae(c);
            rmse += rmse(c);
        }
        m.put("mae", mae / names.size());
        m.put("rmse", rmse / names.size());
        m.put("images", total());
        m.put("per_target", per);
        List<Map<String, String>> sk = new ArrayList<>();
        skipped.forEach(s -> sk.add(Map.of("path", s.path().toString(), "reason", s.reason())));
        m.put("skipped", sk);
        return m;
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    @Override
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        int w = Math.max(8, names.stream().mapToInt(String::length).max().orElse(8));
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  %10s  %10s  %7s%n", "target", "MAE", "RMSE", "R2"));
        for (int c = 0; c < names.size(); c++) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s  %10.4f  %10.4f  %7.4f%n", names.get(c), mae(c), rmse(c),
                    r2(c)));
        }
        sb.append(String.format(Locale.ROOT, "mean R2 %.4f on %d images%n", headline(), total()));
        return sb.toString();
    }
}
