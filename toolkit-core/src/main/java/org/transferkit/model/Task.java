package org.transferkit.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a model predicts for an image, which fixes its output layer, loss and metrics:
 * <ul>
 *   <li>{@link #SINGLE_LABEL}: exactly one class per image; softmax, cross-entropy; accuracy.</li>
 *   <li>{@link #MULTI_LABEL}: any set of labels per image (possibly none); one sigmoid per label, binary
 *       cross-entropy; per-label precision/recall/F1 at a tunable threshold, micro-F1 picks the epoch.</li>
 *   <li>{@link #REGRESSION}: one or more numbers per image; linear outputs, MSE or MAE; MAE, RMSE and R²
 *       (R² picks the epoch).</li>
 * </ul>
 */
public enum Task {
    /** One class per image. */
    SINGLE_LABEL("accuracy"),
    /** A set of labels per image. */
    MULTI_LABEL("micro_f1"),
    /** Numeric targets per image. */
    REGRESSION("r2");

    private final String metric;

    Task(String metric) {
        this.metric = metric;
    }

    /** @return the name of the metric that picks the best epoch (higher is better): accuracy, micro_f1 or r2 */
    public String metricName() {
        return metric;
    }

    /** @return the lower-case, dashed name used on the command line and in bundles, e.g. {@code multi-label} */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * @param s {@code single-label}, {@code multi-label} or {@code regression} (case-insensitive; {@code _} or
     *     {@code -}); null reads as single-label (bundles written before tasks existed)
     * @return the task
     * @throws IllegalArgumentException if {@code s} names no task; the message lists the valid ones
     */
    public static Task parse(String s) {
        if (s == null) {
            return SINGLE_LABEL;
        }
        for (Task t : values()) {
            if (t.id().equalsIgnoreCase(s.strip().replace('_', '-'))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + s + "'; valid: "
                + Arrays.stream(values()).map(Task::id).collect(Collectors.joining(", ")));
    }
}
