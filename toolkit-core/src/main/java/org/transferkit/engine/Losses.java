package org.transferkit.engine;

import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * The output layer's activation and loss on the training path, computed on the logits (the output layer's linear
 * part, which the plan leaves for them) exactly as DL4J 1.0.0-M2.1 computes them: the score its {@code computeScore}
 * reports (averaged over the batch) and the gradient its {@code computeGradient} sends into the output layer,
 * divided by the batch size as DL4J's updater divides it. Covered: softmax with multi-class cross-entropy
 * ({@code LossMCXENT}, also with class weights), sigmoid with binary cross-entropy ({@code LossBinaryXENT}: outputs
 * clipped to [eps, 1 - eps], optionally weighted per output), and identity with squared or absolute error
 * ({@code LossL2}, {@code LossMSE}, {@code LossL1}, {@code LossMAE}; the mean forms divide by the number of
 * outputs; optionally weighted per output). Stateless.
 */
final class Losses {
    private Losses() {
    }

    /** An output layer's activation and loss over a batch of logits. Immutable. */
    interface OutputLoss {
        /**
         * @param z n x k logits, row-major; replaced by the output layer's activations
         * @param y n x k targets, row-major; replaced by the gradient of the mean loss with respect to the logits
         * @param n the batch size
         * @param k the outputs per example
         * @return the mean loss over the batch, as DL4J's score reports it (without regularization)
         */
        double apply(float[] z, float[] y, int n, int k);

        /**
         * @param z n x k logits, row-major; replaced by the output layer's activations
         * @param n the batch size
         * @param k the outputs per example
         */
        void activate(float[] z, int n, int k);
    }

    /**
     * @param vertex the output layer's vertex, for the message
     * @param o the output layer
     * @return its activation and loss on the training path
     * @throws UnsupportedOperationException naming a pairing of activation and loss (or weights) not covered
     */
    static OutputLoss of(String vertex, OutputLayer o) {
        IActivation fn = o.getActivationFn();
        ILossFunction loss = o.getLossFn();
        if (fn instanceof ActivationSoftmax && loss instanceof LossMCXENT x) {
            return new Softmax(x.getSoftmaxClipEps(), weights(vertex, x.getWeights(), o.getNOut()));
        }
        if (fn instanceof ActivationSigmoid && loss != null && loss.getClass() == LossBinaryXENT.class) {
            LossBinaryXENT x = (LossBinaryXENT) loss;
            return new Sigmoid((float) x.getClipEps(), (float) (1.0 - x.getClipEps()),
                    weights(vertex, x.getWeights(), o.getNOut()));
        }
        if (fn instanceof ActivationIdentity && loss != null) {
            Class<?> c = loss.getClass();
            if (c == LossL2.class || c == LossMSE.class) {
                return new Linear(true, c == LossMSE.class, weights(vertex, ((LossL2) loss).getWeights(), o.getNOut()));
            }
            if (c == LossL1.class || c == LossMAE.class) {
                return new Linear(false, c == LossMAE.class, weights(vertex, ((LossL1) loss).getWeights(), o.getNOut()));
            }
        }
        throw TrainChecks.unsupported(vertex, "an output layer with activation " + fn + " and loss " + loss
                + " (the training path has softmax with multi-class cross-entropy, sigmoid with binary cross-entropy, "
                + "identity with MSE, L2, MAE or L1)");
    }

    private static float[] weights(String vertex, INDArray w, long outputs) {
        if (w == null) {
            return null;
        }
        if (w.length() != outputs) {
            throw TrainChecks.unsupported(vertex, "loss weights of length " + w.length() + " for " + outputs + " outputs");
        }
        return w.castTo(DataType.FLOAT).dup('c').reshape(w.length()).toFloatVector();
    }

    /**
     * Softmax with multi-class cross-entropy ({@code LossMCXENT}): the score is {@code -sum(y * w * log(clip(p)))}
     * per example (probabilities clipped to [eps, 1 - eps]); the gradient {@code p - y}, or with weights
     * {@code p * sum(y * w) - y * w}, from the unclipped probabilities.
     */
    private record Softmax(double clip, float[] w) implements OutputLoss {
        @Override
        public double apply(float[] z, float[] y, int n, int k) {
            activate(z, n, k);
            double total = 0;
            for (int r = 0; r < n; r++) {
                int o = r * k;
                float sumYw = 0;
                for (int j = 0; j < k; j++) {
                    float yw = w == null ? y[o + j] : y[o + j] * w[j];
                    total -= yw * Math.log(Math.min(Math.max(z[o + j], clip), 1 - clip));
                    sumYw += yw;
                }
                for (int j = 0; j < k; j++) {
                    float g = w == null ? z[o + j] - y[o + j] : z[o + j] * sumYw - y[o + j] * w[j];
                    y[o + j] = g / n;
                }
            }
            return total / n;
        }

        @Override
        public void activate(float[] z, int n, int k) {
            for (int r = 0; r < n; r++) {
                int o = r * k;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    max = Math.max(max, z[o + j]);
                }
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    sum += Math.exp(z[o + j] - max);
                }
                for (int j = 0; j < k; j++) {
                    z[o + j] = (float) (Math.exp(z[o + j] - max) / sum);
                }
            }
        }
    }

    /**
     * Sigmoid with binary cross-entropy ({@code LossBinaryXENT}): outputs clipped to [lo, hi]; the score is
     * {@code -sum(w * (y log a + (1 - y) log(1 - a)))} per example; the gradient is DL4J's
     * {@code (a - y) / (a (1 - a))} through the sigmoid's derivative {@code s (1 - s)} of the unclipped output
     * (so it vanishes where the sigmoid saturates), times the weights.
     */
    private record Sigmoid(float lo, float hi, float[] w) implements OutputLoss {
        @Override
        public double apply(float[] z, float[] y, int n, int k) {
            activate(z, n, k);
            double total = 0;
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < k; j++) {
                    int i = r * k + j;
                    float s = z[i];
                    float a = Math.min(Math.max(s, lo), hi);
                    float t = y[i];
                    double term = t * Math.log(a) + (1 - t) * Math.log(1 - a);
                    total -= w == null ? term : term * w[j];
                    float dLda = (a - t) / (a * (1 - a));
                    float g = dLda * (s * (1 - s));
                    y[i] = (w == null ? g : g * w[j]) / n;
                }
            }
            return total / n;
        }

        @Override
        public void activate(float[] z, int n, int k) {
            for (int i = 0; i < n * k; i++) {
                z[i] = (float) (1 / (1 + Math.exp(-z[i])));
            }
        }
    }

    /**
     * Identity with squared error ({@code LossL2}: score {@code sum(w (y - a)^2)}, gradient {@code 2 w (a - y)}) or
     * absolute error ({@code LossL1}: score {@code sum(w |y - a|)}, gradient {@code w sign(a - y)}) per example;
     * {@code LossMSE} and {@code LossMAE} divide both by the number of outputs.
     */
    private record Linear(boolean squared, boolean perOutput, float[] w) implements OutputLoss {
        @Override
        public double apply(float[] z, float[] y, int n, int k) {
            double total = 0;
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < k; j++) {
                    int i = r * k + j;
                    float d = z[i] - y[i];
                    float wj = w == null ? 1f : w[j];
                    total += squared ? wj * (double) d * d : wj * Math.abs((double) d);
                    float g = (squared ? 2 * d : Math.signum(d)) * wj;
                    y[i] = (perOutput ? g / k : g) / n;
                }
            }
            return (perOutput ? total / k : total) / n;
        }

        @Override
        public void activate(float[] z, int n, int k) {
            // identity: the logits are the outputs
        }
    }
}
