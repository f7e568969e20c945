package org.transferkit.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch measured. The metric fields hold the task's selection metric, named by {@link #metric()}
 * (accuracy, micro_f1 or r2).
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean training loss over the epoch's batches
 * @param trainMetric the metric on the training images, measured in the same pass (dropout on)
 * @param valLoss mean loss on the validation images, NaN when there are none
 * @param valMetric the metric on the validation images, NaN when there are none
 * @param seconds wall time of the epoch
 * @param learningRate the learning rate used in the epoch
 * @param metric the metric's name, e.g. {@code accuracy}
 */
public record EpochStats(int epoch, double trainLoss, double trainMetric, double valLoss, double valMetric,
        double seconds, double learningRate, String metric) {

    /**
     * @return a JSON-ready map whose keys name the metric: {@code epoch}, {@code metric}, {@code train_loss},
     *     {@code train_<metric>}, {@code val_loss}, {@code val_<metric>} (null without validation images),
     *     {@code seconds}, {@code learning_rate}
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("metric", metric);
        m.put("train_loss", trainLoss);
        m.put("train_" + metric, Double.isNaN(trainMetric) ? null : trainMetric);
        m.put("val_loss", Double.isNaN(valLoss) ? null : valLoss);
        m.put("val_" + metric, Double.isNaN(valMetric) ? null : valMetric);
        m.put("seconds", seconds);
        m.put("learning_rate", learningRate);
        return m;
    }
}
