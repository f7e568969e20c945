package org.transferkit.task;

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
    CROSS_ENTROPY(Activation.SOFTMAX) {
        @Override
        double term(double p, double y, int outputs) {
            return -y * Math.log(Math.max(1e-12, p));
        }

        @Override
        ILossFunction dl4j(double[] classWeights) {
            return classWeights == null ? new LossMCXENT()
                    : new LossMCXENT(Nd4j.create(classWeights).castTo(DataType.FLOAT));
        }
    },
    /** One sigmoid per label + binary cross-entropy: multi-label. */
    BINARY_CROSS_ENTROPY(Activation.SIGMOID) {
        @Override
        double term(double p, double y, int outputs) {
            return -(y * Math.log(Math.max(1e-12, p)) + (1 - y) * Math.log(Math.max(1e-12, 1 - p)));
        }

        @Override
        ILossFunction dl4j(double[] classWeights) {
            return new LossBinaryXENT();
        }
    },
    /** Linear output + mean squared error: regression. */
    MSE(Activation.IDENTITY) {
        @Override
        double term(double p, double y, int outputs) {
            return (p - y) * (p - y) / outputs;
        }

        @Override
        ILossFunction dl4j(double[] classWeights) {
            return new LossMSE();
        }
    },
    /** Linear output + mean absolute error (robust to outliers): regression. */
    MAE(Activation.IDENTITY) {
        @Override
        double term(double p, double y, int outputs) {
            return Math.abs(p - y) / outputs;
        }

        @Override
        ILossFunction dl4j(double[] classWeights) {
            return new LossMAE();
        }
    };

    private final Activation activation;

    Loss(Activation activation) {
        this.activation = activation;
    }

    /** @return one output's contribution to an example's loss, as DL4J computes it */
    abstract double term(double p, double y, int outputs);

    /** @return DL4J's loss function (class weights only where {@link #function} allows them) */
    abstract ILossFunction dl4j(double[] classWeights);

    /** @return the lower-case, dashed name, e.g. {@code binary-cross-entropy} */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @param t a task @return true if this loss trains a head of that task */
    public boolean fits(Task t) {
        return t.losses().contains(this);
    }

    /** @return the output layer's activation */
    public Activation activation() {
        return activation;
    }

    /** @param t a task @return the default loss of the task */
    public static Loss defaultFor(Task t) {
        return t.defaultLoss();
    }

    /** @param t a task @return the ids of the losses that fit it */
    public static List<String> allowedFor(Task t) {
        return t.losses().stream().map(Loss::id).toList();
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
     * @param outputs network outputs after the activation, one row per example
     * @param targets targets, same shape
     * @return the mean loss per example, as DL4J computes it for this loss (without class weights); NaN for no rows
     */
    public double mean(float[][] outputs, float[][] targets) {
        double sum = 0;
        for (int i = 0; i < outputs.length; i++) {
            for (int c = 0; c < outputs[i].length; c++) {
                sum += term(outputs[i][c], targets[i][c], outputs[i].length);
            }
        }
        return outputs.length == 0 ? Double.NaN : sum / outputs.length;
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
        return dl4j(classWeights);
    }
}
