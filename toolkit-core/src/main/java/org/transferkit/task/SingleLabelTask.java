package org.transferkit.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.transferkit.model.SkippedFile;

/** One class per image: softmax outputs, cross-entropy, accuracy picks the epoch. Use {@link Task#SINGLE_LABEL}. */
public final class SingleLabelTask implements Task {
    SingleLabelTask() {
    }

    @Override
    public String id() {
        return "single-label";
    }

    @Override
    public String metricName() {
        return "accuracy";
    }

    @Override
    public String metricShort() {
        return "acc";
    }

    @Override
    public Loss defaultLoss() {
        return Loss.CROSS_ENTROPY;
    }

    @Override
    public List<Loss> losses() {
        return List.of(Loss.CROSS_ENTROPY);
    }

    @Override
    public int minOutputs() {
        return 2;
    }

    @Override
    public boolean weighsClasses() {
        return true;
    }

    @Override
    public boolean standardizesTargets() {
        return false;
    }

    @Override
    public boolean usesThreshold() {
        return false;
    }

    @Override
    public double score(float[][] outputs, float[][] targets) {
        return outputs.length == 0 ? Double.NaN : TaskMetrics.accuracy(outputs, targets);
    }

    @Override
    public TaskReport report(List<String> labels, float[][] outputs, float[][] targets, List<Path> paths,
            double threshold, List<SkippedFile> skipped) {
        List<ExamplePrediction> examples = new ArrayList<>();
        for (int i = 0; i < outputs.length; i++) {
            examples.add(new ExamplePrediction(paths.get(i), TaskMetrics.argMax(targets[i]), outputs[i]));
        }
        return EvaluationReport.fromExamples(labels, examples, skipped);
    }

    @Override
    public Prediction decode(float[] output, List<String> labels, int topK, double threshold) {
        if (topK < 1) {
            throw new IllegalArgumentException("top-k must be >= 1, got " + topK);
        }
        List<ScoredLabel> ranked = rank(output, labels);
        return new Prediction.Classes(ranked.subList(0, Math.min(topK, ranked.size())));
    }

    @Override
    public double tuneThreshold(float[][] outputs, float[][] targets) {
        return TaskMetrics.DEFAULT_THRESHOLD;
    }

    /** @return every output as a scored label, most probable first (ties: lower index first) */
    static List<ScoredLabel> rank(float[] output, List<String> labels) {
        List<ScoredLabel> all = new ArrayList<>();
        for (int c = 0; c < output.length; c++) {
            all.add(new ScoredLabel(labels.get(c), c, output[c]));
        }
        all.sort(Comparator.comparingDouble(ScoredLabel::probability).reversed().thenComparing(ScoredLabel::index));
        return all;
    }

    @Override
    public String toString() {
        return id();
    }
}
