package org.transferkit.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
/** The training loss of a head, with the output activation it goes with. */
public enum Loss {
    /** Softmax + categorical cross-entropy: single-label. */
    CROSS_ENTROPY(Task.SINGLE_LABEL, Activation.SOFTMAX),
    /** One sigmoid per label + binary cross-entropy: multi-label. */
    BINARY_CROSS_ENTROPY(Task.MULTI_LABEL, Activation.SIGMOID),
    /** Linear output + mean squared error: regression. */
    MSE(Task.REGRESSION, Activation.IDENTITY),
    /** Linear output + mean absolute error (robust to outliers): regression. */
    MAE(Task.REGRESSION, Activation.IDENTITY);

    private final Task task;
    private final Activation activation;

    Loss(Task task, Activation activation) {
        this.task = task;
        this.activation = activation;
    }

    /** @return the lower-case, dashed name, e.g. {@code binary-cross-entropy} */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @param t a task @return true if this loss trains a head of that task */
    public boolean fits(Task t) {
        return task == t;
    }

    /** @return the output layer's activation */
    public Activation activation() {
        return activation;
    }

    /** @param t a task @return the default loss of the task */
    public static Loss defaultFor(Task t) {
        return switch (t) {
            case SINGLE_LABEL -> CROSS_ENTROPY;
            case MULTI_LABEL -> BINARY_CROSS_ENTROPY;
            case REGRESSION -> MSE;
        };
    }

    /** @param t a task @return the ids of the losses that fit it */
    public static List<String> allowedFor(Task t) {
        return Arrays.stream(values()).filter(l -> l.fits(t)).map(Loss::id).toList();
    }

    /**
     * @param s a loss id such as {@code mae} (case-insensitive, {@code _} or {@code -})
     * @return the loss
     * @throws IllegalArgumentException if unknown; the message lists the valid ones
     */
    public static Loss parse(String s) {
        for (Loss l : values()) {
            if (l.id().equalsIgnoreCase(s.strip().replace('_', '-'))) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown loss '" + s + "'; valid: "
                + Arrays.stream(values()).map(Loss::id).collect(Collectors.joining(", ")));
    }

    /**
     * @param classWeights per-output weights of the cross-entropy, or null; only single-label heads take them
     * @return DL4J's loss function
     * @throws IllegalArgumentException if weights are given for a loss other than cross-entropy
     */
    public ILossFunction function(double[] classWeights) {
        if (classWeights != null && this != CROSS_ENTROPY) {
            throw new IllegalArgumentException("class weights apply to single-label heads only, not " + id());
        }
        return switch (this) {
            case CROSS_ENTROPY -> classWeights == null ? new LossMCXENT()
                    : new LossMCXENT(Nd4j.create(classWeights).castTo(DataType.FLOAT));
            case BINARY_CROSS_ENTROPY -> new LossBinaryXENT();
            case MSE -> new LossMSE();
            case MAE -> new LossMAE();
        };
    }
}
