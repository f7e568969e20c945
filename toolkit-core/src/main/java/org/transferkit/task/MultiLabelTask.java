package org.transferkit.task;

import java.nio.file.Path;
import java.util.List;
import org.transferkit.model.SkippedFile;

/**
 * Any set of labels per image: one sigmoid per label, binary cross-entropy, micro-F1 at the decision threshold
 * picks the epoch; the threshold saved with a model is the one with the best micro-F1 on validation images. Use
 * {@link Task#MULTI_LABEL}.
 */
public final class MultiLabelTask implements Task {
    MultiLabelTask() {
    }

    @Override
    public String id() {
        return "multi-label";
    }

    @Override
    public String metricName() {
        return "micro_f1";
    }

    @Override
    public String metricShort() {
        return "F1";
    }

    @Override
    public Loss defaultLoss() {
        return Loss.BINARY_CROSS_ENTROPY;
    }

    @Override
    public List<Loss> losses() {
        return List.of(Loss.BINARY_CROSS_ENTROPY);
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
        return false;
    }

    @Override
    public boolean usesThreshold() {
        return true;
    }

    @Override
    public double score(float[][] outputs, float[][] targets) {
        return outputs.length == 0 ? Double.NaN : TaskMetrics.microF1(outputs, targets, TaskMetrics.DEFAULT_THRESHOLD);
    }

    @Override
    public TaskReport report(List<String> labels, float[][] outputs, float[][] targets, List<Path> paths,
            double threshold, List<SkippedFile> skipped) {
        return new MultiLabelReport(labels, outputs, targets, threshold, skipped);
    }

    @Override
    public Prediction decode(float[] output, List<String> labels, int topK, double threshold) {
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1), got " + threshold);
        }
        List<ScoredLabel> all = SingleLabelTask.rank(output, labels);
        return new Prediction.Labels(all.stream().filter(p -> p.probability() >= threshold).toList(), all, threshold);
    }

    @Override
    public double tuneThreshold(float[][] outputs, float[][] targets) {
        if (outputs.length == 0) {
            return TaskMetrics.DEFAULT_THRESHOLD;
        }
        return new MultiLabelReport(List.of(labelNames(outputs[0].length)), outputs, targets,
                TaskMetrics.DEFAULT_THRESHOLD, List.of()).tuneThreshold();
    }

    private static String[] labelNames(int n) {
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = "label" + i;
        }
        return names;
    }

    @Override
    public String toString() {
        return id();
    }
}
