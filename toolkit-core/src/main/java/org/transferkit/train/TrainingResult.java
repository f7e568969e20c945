package org.transferkit.train;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.Preprocessing;
import org.transferkit.data.SkippedFile;
import org.transferkit.data.Task;

/**
 * What a training run produced: the trained graph (owned by the caller), the per-epoch history, the
 * epoch whose weights were kept (best validation score: {@link Task#metricName()}), and the files that were
 * left out. In the history, the "accuracy" fields hold the task's metric (accuracy, micro-F1 or R²).
 *
 * @param graph the trained transfer graph (frozen backbone + head)
 * @param labels class names, index = output unit
 * @param cutPoint the cut point used
 * @param history one entry per epoch
 * @param bestEpoch the 1-based epoch whose weights {@code graph} holds
 * @param trainImages training images used
 * @param valImages validation images used
 * @param skipped files left out of training and validation, with reasons
 * @param frozenLayers names of the layers kept frozen
 * @param preprocessing the preprocessing used (the backbone's, or the override)
 * @param task what the model predicts
 * @param targetScaling for regression, the target standardization folded into the output layer; else null
 */
public record TrainingResult(ComputationGraph graph, List<String> labels, CutPoint cutPoint, List<EpochStats> history,
        int bestEpoch, int trainImages, int valImages, List<SkippedFile> skipped, List<String> frozenLayers,
        Preprocessing preprocessing, Task task, TargetScaling targetScaling) {

    /** A single-label result. */
    public TrainingResult(ComputationGraph graph, List<String> labels, CutPoint cutPoint, List<EpochStats> history,
            int bestEpoch, int trainImages, int valImages, List<SkippedFile> skipped, List<String> frozenLayers,
            Preprocessing preprocessing) {
        this(graph, labels, cutPoint, history, bestEpoch, trainImages, valImages, skipped, frozenLayers, preprocessing,
                Task.SINGLE_LABEL, null);
    }
}
