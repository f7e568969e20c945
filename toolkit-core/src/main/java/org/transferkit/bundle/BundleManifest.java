package org.transferkit.bundle;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.task.Task;
import org.transferkit.task.TaskMetrics;

/**
 * The JSON part of a classifier bundle ({@code transferkit-bundle.json}): everything but the weights.
 *
 * @param formatVersion bundle format, {@link ClassifierBundle#FORMAT_VERSION} when written now
 * @param labels class names, index = output unit
 * @param input input shape {@code [channels, height, width]}
 * @param preprocessing how pixels become input
 * @param backbone backbone catalogue id
 * @param weights identity of the backbone weights (SHA-256, or {@code random(seed=N)})
 * @param cutPoint cut point name
 * @param frozenLayers layers kept frozen in training
 * @param training training settings and results (epochs, optimizer, best epoch, history ...)
 * @param metrics final evaluation metrics
 * @param versions toolkit, DL4J, Java and OS versions
 * @param created ISO-8601 creation time
 * @param task {@code single-label}, {@code multi-label} or {@code regression}; null (format 1) reads as single-label
 * @param threshold the decision threshold of a multi-label model's probabilities; null for other tasks
 */
public record BundleManifest(
        @JsonProperty("format_version") int formatVersion,
        @JsonProperty("labels") List<String> labels,
        @JsonProperty("input") int[] input,
        @JsonProperty("preprocessing") PreprocessingJson preprocessing,
        @JsonProperty("backbone") String backbone,
        @JsonProperty("weights") String weights,
        @JsonProperty("cut_point") String cutPoint,
        @JsonProperty("frozen_layers") List<String> frozenLayers,
        @JsonProperty("training") Map<String, Object> training,
        @JsonProperty("metrics") Map<String, Object> metrics,
        @JsonProperty("versions") Map<String, String> versions,
        @JsonProperty("created") String created,
        @JsonProperty("task") String task,
        @JsonProperty("threshold") Double threshold) {

    /** @return what the model predicts (single-label for bundles written before tasks existed) */
    public Task taskType() {
        return Task.parse(task);
    }

    /** @return the multi-label decision threshold, {@link TaskMetrics#DEFAULT_THRESHOLD} if none is stored */
    public double decisionThreshold() {
        return threshold == null ? TaskMetrics.DEFAULT_THRESHOLD : threshold;
    }

    /**
     * @return the per-epoch training history recorded in {@code training.history}, empty if there is
     *     none; missing or null values read as NaN
     */
    public java.util.List<org.transferkit.model.EpochStats> history() {
        Object h = training == null ? null : training.get("history");
        if (!(h instanceof List<?> list)) {
            return List.of();
        }
        java.util.List<org.transferkit.model.EpochStats> out = new java.util.ArrayList<>();
        for (Object o : list) {
            if (o instanceof Map<?, ?> e) {
                // bundles before metric-named keys wrote train_accuracy/val_accuracy whatever the task
                String metric = e.get("metric") instanceof String s ? s : "accuracy";
                Object train = e.containsKey("train_" + metric) ? e.get("train_" + metric) : e.get("train_accuracy");
                Object val = e.containsKey("val_" + metric) ? e.get("val_" + metric) : e.get("val_accuracy");
                out.add(new org.transferkit.model.EpochStats(num(e.get("epoch")).intValue(), dbl(e.get("train_loss")),
                        dbl(train), dbl(e.get("val_loss")), dbl(val), dbl(e.get("seconds")),
                        dbl(e.get("learning_rate")), metric));
            }
        }
        return out;
    }

    private static Number num(Object o) {
        return o instanceof Number n ? n : Double.NaN;
    }

    private static double dbl(Object o) {
        return num(o).doubleValue();
    }

    /** @return the input shape */
    public InputShape inputShape() {
        return new InputShape(input[0], input[1], input[2]);
    }

    /**
     * Preprocessing as stored in JSON.
     *
     * @param channelOrder RGB or BGR
     * @param scale factor on 0..255 pixels
     * @param mean per-channel means
     * @param std per-channel standard deviations
     * @param resize squash or center_crop
     */
    public record PreprocessingJson(
            @JsonProperty("channel_order") String channelOrder,
            @JsonProperty("scale") float scale,
            @JsonProperty("mean") float[] mean,
            @JsonProperty("std") float[] std,
            @JsonProperty("resize") String resize) {

        /** @param p preprocessing @return its JSON form */
        public static PreprocessingJson of(Preprocessing p) {
            return new PreprocessingJson(p.channelOrder().name(), p.scale(), p.mean(), p.std(),
                    p.resize().name().toLowerCase(java.util.Locale.ROOT));
        }

        /** @return the preprocessing @throws IllegalArgumentException if a value is invalid */
        public Preprocessing toPreprocessing() {
            return new Preprocessing(Preprocessing.ChannelOrder.valueOf(channelOrder), scale, mean, std,
                    Preprocessing.Resize.valueOf(resize.toUpperCase(java.util.Locale.ROOT)));
        }
    }
}
