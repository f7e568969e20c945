package org.transferkit.engine;

import java.util.Arrays;
import java.util.Map;
import java.util.function.LongFunction;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A batch normalization's buffers on the training path, for {@link TrainPlan}: scale (gamma) and shift (beta) with
 * their gradients, and the running mean and spread (variance, or log10 of the standard deviation) that a
 * training-mode one moves after every step; for a frozen affine map, the fixed scale and shift, mean 0 and variance 1.
 * The buffers belong to the {@link TrainableGraph} that allocated them.
 */
record Normed(Op.Norm norm, FloatPointer scale, FloatPointer shift, FloatPointer dScale, FloatPointer dShift,
        FloatPointer mean, FloatPointer var) {

    /**
     * @param op a batch-normalization operation of the lowered program
     * @param byName the graph's parameters by "vertex/name" (a training-mode one reads gamma, beta, mean, var there)
     * @param floats allocates a zeroed native buffer of n floats owned by the caller
     * @return the operation's buffers
     * @throws UnsupportedOperationException if a training-mode one lacks its parameters in the expected sizes
     */
    static Normed of(Op op, Map<String, Updates.Param> byName, LongFunction<FloatPointer> floats) {
        int c = (int) op.shape[0];
        if (op.norm.frozen()) {
            FloatPointer ones = floats.apply(c);
            float[] one = new float[c];
            Arrays.fill(one, 1f);
            ones.put(one);
            FloatPointer scale = floats.apply(c);
            scale.put(op.weights);
            FloatPointer shift = floats.apply(c);
            shift.put(op.bias);
            return new Normed(op.norm, scale, shift, floats.apply(c), floats.apply(c), floats.apply(c), ones);
        }
        Updates.Param gamma = byName.get(op.name + "/gamma");
        Updates.Param beta = byName.get(op.name + "/beta");
        Updates.Param mean = byName.get(op.name + "/mean");
        Updates.Param var = byName.get(op.name + (op.norm.logStd() ? "/log10stdev" : "/var"));
        if (gamma == null || beta == null || mean == null || var == null || gamma.length() != c || mean.length() != c) {
            throw new UnsupportedOperationException("vertex '" + op.name + "': a batch normalization without " + c
                    + " trainable gamma and beta and running mean and variance");
        }
        return new Normed(op.norm, gamma.value(), beta.value(), gamma.grad(), beta.grad(), mean.value(), var.value());
    }

    /**
     * Moves each training-mode batch normalization's running statistics toward the latest forward pass's batch
     * statistics as DL4J M2.1 does: {@code mean = decay * mean + (1 - decay) * batchMean}, the same for the variance
     * with the batch's biased variance; a log10 standard deviation is turned into the variance ({@code 10^(2 s)}),
     * moved, and turned back ({@code log10(sqrt(var))}): DL4J adds no epsilon to either (read from its M2.1 bytecode
     * and checked against its runs in TrainableResidualTest).
     *
     * @param norms the graph's batch normalizations by operation name
     * @param batchStats the last forward pass's batch mean and variance by operation name
     */
    static void moveRunningStatistics(Map<String, Normed> norms, Map<String, FloatPointer[]> batchStats) {
        for (Map.Entry<String, FloatPointer[]> e : batchStats.entrySet()) {
            Normed n = norms.get(e.getKey());
            int c = (int) n.mean().limit();
            float[] bm = new float[c];
            float[] bv = new float[c];
            e.getValue()[0].get(bm);
            e.getValue()[1].get(bv);
            float[] mean = new float[c];
            float[] spread = new float[c];
            n.mean().get(mean);
            n.var().get(spread);
            double d = n.norm().decay();
            for (int i = 0; i < c; i++) {
                mean[i] = (float) (d * mean[i] + (1 - d) * bm[i]);
                if (n.norm().logStd()) {
                    double v = Math.pow(10, 2.0 * spread[i]);
                    spread[i] = (float) (0.5 * Math.log10(d * v + (1 - d) * bv[i]));
                } else {
                    spread[i] = (float) (d * spread[i] + (1 - d) * bv[i]);
                }
            }
            n.mean().put(mean);
            n.var().put(spread);
        }
    }
}
