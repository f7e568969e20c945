package org.transferkit.task;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.transferkit.model.SkippedFile;

/**
 * What a model predicts for an image, and everything that follows from it, in one place per task: the output
 * activation and losses ({@link #defaultLoss()}, {@link #losses()}), the metric that picks the kept epoch
 * ({@link #score}), the evaluation report ({@link #report}), prediction decoding ({@link #decode}) and the
 * decision threshold ({@link #tuneThreshold}). Three tasks exist:
 * <ul>
 *   <li>{@link #SINGLE_LABEL}: exactly one class per image; softmax, cross-entropy; accuracy.</li>
 *   <li>{@link #MULTI_LABEL}: any set of labels per image (possibly none); one sigmoid per label, binary
 *       cross-entropy; per-label precision/recall/F1 at a tunable threshold, micro-F1 picks the epoch.</li>
 *   <li>{@link #REGRESSION}: one or more numbers per image; linear outputs, MSE or MAE; MAE, RMSE and R²
 *       (R² picks the epoch).</li>
 * </ul>
 * A new task is one more implementation of this interface. Implementations are immutable singletons, so
 * {@code ==} compares tasks.
 */
public sealed interface Task permits SingleLabelTask, MultiLabelTask, RegressionTask {
    /** One class per image. */
    Task SINGLE_LABEL = new SingleLabelTask();
    /** A set of labels per image. */
    Task MULTI_LABEL = new MultiLabelTask();
    /** Numeric targets per image. */
    Task REGRESSION = new RegressionTask();

    /** @return every task, single-label first */
    static List<Task> all() {
        return List.of(SINGLE_LABEL, MULTI_LABEL, REGRESSION);
    }

    /** @return the lower-case, dashed name used on the command line, in bundles and JSON, e.g. {@code multi-label} */
    String id();

    /** @return the name of the metric that picks the best epoch (higher is better): accuracy, micro_f1 or r2 */
    String metricName();

    /** @return a short label of the metric for console columns, e.g. {@code acc} */
    String metricShort();

    /** @return the loss a head of this task trains with unless another is chosen */
    Loss defaultLoss();

    /** @return the losses a head of this task can train with, the default first */
    List<Loss> losses();

    /** @return the fewest outputs (classes, labels or targets) a model of this task can have */
    int minOutputs();

    /** @return true if the loss can weight classes and smooth labels (single-label only) */
    boolean weighsClasses();

    /** @return true if targets are standardized while training and the scale folded in afterwards (regression) */
    boolean standardizesTargets();

    /** @return true if predictions depend on a decision threshold (multi-label) */
    boolean usesThreshold();

    /**
     * @param outputs network outputs after the activation, one row per image (not modified)
     * @param targets targets, same shape (one-hot, 0/1 labels, or values)
     * @return the metric that picks the kept epoch, at the default threshold; NaN for no rows
     */
    double score(float[][] outputs, float[][] targets);

    /**
     * @param labels names of the outputs
     * @param outputs network outputs, one row per image
     * @param targets targets, same shape
     * @param paths the image of each row
     * @param threshold the decision threshold (used by tasks that {@link #usesThreshold()})
     * @param skipped files that could not be evaluated
     * @return the task's report
     */
    TaskReport report(List<String> labels, float[][] outputs, float[][] targets, List<Path> paths, double threshold,
            List<SkippedFile> skipped);

    /**
     * @param output one image's network output
     * @param labels names of the outputs
     * @param topK for single-label, how many ranked classes to keep ({@code >= 1}); ignored otherwise
     * @param threshold the decision threshold (used by tasks that {@link #usesThreshold()})
     * @return the task's prediction
     */
    Prediction decode(float[] output, List<String> labels, int topK, double threshold);

    /**
     * @param outputs validation outputs, one row per image
     * @param targets their targets
     * @return the decision threshold to save with the model: the best one on these images for tasks that
     *     {@link #usesThreshold()}, else {@link TaskMetrics#DEFAULT_THRESHOLD}
     */
    double tuneThreshold(float[][] outputs, float[][] targets);

    /**
     * @param s {@code single-label}, {@code multi-label} or {@code regression} (case-insensitive; {@code _} or
     *     {@code -}); null reads as single-label (bundles written before tasks existed)
     * @return the task
     * @throws IllegalArgumentException if {@code s} names no task; the message lists the valid ones
     */
    static Task parse(String s) {
        if (s == null) {
            return SINGLE_LABEL;
        }
        String id = s.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Task t : all()) {
            if (t.id().equals(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + s + "'; valid: "
                + all().stream().map(Task::id).collect(Collectors.joining(", ")));
    }
}
