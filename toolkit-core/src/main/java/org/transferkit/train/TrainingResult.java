package org.transferkit.train;

import org.transferkit.task.TaskMetrics;
import org.transferkit.model.InputShape;
import org.transferkit.bundle.Provenance;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.bundle.BundleManifest;
import org.transferkit.backbone.Backbone;
import java.util.Map;
import java.util.LinkedHashMap;
import java.time.Instant;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;

import org.transferkit.model.EpochStats;
/**
 * The low-level result of {@link Trainer#fit}, for the library's training code and its tests. Users do not need it:
 * {@link FineTuner#fit} returns a {@link TrainedModel}, which evaluates, saves and (through
 * {@link TrainedModel#interop()}) hands out the network. What a training run produced: the trained graph (owned by
 * the caller), the per-epoch history, the
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
 * @param skipped files left out of training and validation, with reasons: what their sources skipped and what did
 *     not decode whole (merged: each path once, sorted)
 * @param frozenLayers names of the layers kept frozen
 * @param preprocessing the preprocessing used (the backbone's, or the override)
 * @param task what the model predicts
 * @param targetScaling for regression, the target standardization folded into the output layer; else null
 * @param search what the head search did, or null when it was off or did not apply
 */
record TrainingResult(ComputationGraph graph, List<String> labels, CutPoint cutPoint, List<EpochStats> history,
        int bestEpoch, int trainImages, int valImages, List<SkippedFile> skipped, List<String> frozenLayers,
        Preprocessing preprocessing, Task task, TargetScaling targetScaling, HeadSearch.Result search) {

    TrainingResult {
        skipped = SkippedFile.merge(skipped);
    }

    /** A single-label result. */
    TrainingResult(ComputationGraph graph, List<String> labels, CutPoint cutPoint, List<EpochStats> history,
            int bestEpoch, int trainImages, int valImages, List<SkippedFile> skipped, List<String> frozenLayers,
            Preprocessing preprocessing) {
        this(graph, labels, cutPoint, history, bestEpoch, trainImages, valImages, skipped, frozenLayers, preprocessing,
                Task.SINGLE_LABEL, null, null);
    }

    /**
     * Makes a bundle of a finished training run, with its provenance.
     *
     * @param backbone the backbone it was trained on
     * @param settings the run's settings
     * @param metrics final evaluation metrics (e.g. {@code EvaluationReport.toMap()})
     * @return the bundle; it takes ownership of this result's graph
     */
    ClassifierBundle toBundle(Backbone backbone, FineTune settings,
            Map<String, Object> metrics) {
        return toBundle(backbone, settings, metrics, TaskMetrics.DEFAULT_THRESHOLD);
    }

    /**
     * Makes a bundle of a finished training run, with its provenance and a multi-label decision threshold.
     *
     * @param backbone the backbone it was trained on
     * @param settings the run's settings
     * @param metrics final evaluation metrics
     * @param threshold for a multi-label model, the probability from which a label is predicted, in (0, 1);
     *     ignored for other tasks
     * @return the bundle; it takes ownership of this result's graph
     * @throws IllegalArgumentException if a multi-label threshold is outside (0, 1)
     */
    ClassifierBundle toBundle(Backbone backbone, FineTune settings,
            Map<String, Object> metrics, double threshold) {
        if (task.usesThreshold() && !(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException(task.id() + " threshold must be in (0, 1), got " + threshold);
        }
        Map<String, Object> training = new LinkedHashMap<>(settings.toMap());
        training.put("task", task.id());
        training.put("metric", task.metricName());
        if (targetScaling() != null) {
            training.put("target_mean", targetScaling().mean());
            training.put("target_std", targetScaling().std());
        }
        training.put("cut_point", cutPoint().name());
        if (search != null) {
            training.put("head_search", search.toMap());
        }
        training.put("best_epoch", bestEpoch());
        training.put("train_images", trainImages());
        training.put("val_images", valImages());
        training.put("skipped_images", skipped().size());
        List<Map<String, Object>> history = history().stream().map(EpochStats::toMap).toList();
        training.put("history", history);
        InputShape in = backbone.inputShape();
        BundleManifest m = new BundleManifest(ClassifierBundle.formatFor(task), labels(),
                new int[] {in.channels(), in.height(), in.width()},
                BundleManifest.PreprocessingJson.of(preprocessing()), backbone.id(), backbone.weightsId(),
                cutPoint().name(), frozenLayers(), training, metrics, Provenance.versions(),
                Instant.now().toString(), ClassifierBundle.formatFor(task) == 1 ? null : task.id(),
                task.usesThreshold() ? threshold : null);
        return new ClassifierBundle(m, graph);
    }

}
