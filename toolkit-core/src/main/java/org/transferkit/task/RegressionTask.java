package org.transferkit.task;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.transferkit.model.SkippedFile;

/**
 * One or more numbers per image: linear outputs, MSE (default) or MAE; the mean R² over targets picks the epoch.
 * Targets are standardized while training and the scale folded into the output layer afterwards. Use
 * {@link Task#REGRESSION}.
 */
public final class RegressionTask implements Task {
    RegressionTask() {
    }

    @Override
    public String id() {
        return "regression";
    }

    @Override
    public String metricName() {
        return "r2";
    }

    @Override
    public String metricShort() {
        return "R2";
    }

    @Override
    public Loss defaultLoss() {
        return Loss.MSE;
    }

    @Override
    public List<Loss> losses() {
        return List.of(Loss.MSE, Loss.MAE);
    }

    @Override
    public int minOutputs() {
        return 1;
    }

    @Override
    public boolean weighsClasses() {
        return false;
    }

    @Override
    public boolean standardizesTargets() {
        return true;
    }

    @Override
    public boolean usesThreshold() {
        return false;
    }

    @Override
    public double score(float[][] outputs, float[][] targets) {
        return outputs.length == 0 ? Double.NaN : TaskMetrics.meanR2(outputs, targets);
    }

    @Override
    public TaskReport report(List<String> labels, float[][] outputs, float[][] targets, List<Path> paths,
            double threshold, List<SkippedFile> skipped) {
        return new RegressionReport(labels, outputs, targets, skipped);
    }

    @Override
    public Prediction decode(float[] output, List<String> labels, int topK, double threshold) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (int i = 0; i < output.length; i++) {
            values.put(labels.get(i), (double) output[i]);
        }
        return new Prediction.Values(values);
    }

    @Override
    public double tuneThreshold(float[][] outputs, float[][] targets) {
        return TaskMetrics.DEFAULT_THRESHOLD;
    }

    @Override
    public String toString() {
        return id();
    }
}
