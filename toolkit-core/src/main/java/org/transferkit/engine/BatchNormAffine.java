package org.transferkit.engine;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;

/**
 * What an inference-mode batch normalization computes per channel, {@code y = x * scale + shift} with
 * {@code scale = gamma / std} and {@code shift = beta - mean * scale}, from its stored statistics (variance
 * plus epsilon, or DL4J's log10 standard deviation) and its gamma and beta (or the configured constants
 * when they are locked). Computed in double, stored as float. Immutable.
 *
 * @param scale per-channel factor
 * @param shift per-channel offset
 */
public record BatchNormAffine(float[] scale, float[] shift) {
    /**
     * @param bn a runtime batch normalization layer (the one inside any frozen wrapper); only read
     * @param conf its configuration
     * @return its per-channel affine map
     */
    public static BatchNormAffine of(Layer bn, BatchNormalization conf) {
        float[] mean = vector(bn, "mean");
        boolean logStd = bn.paramTable().containsKey("log10stdev");
        float[] spread = vector(bn, logStd ? "log10stdev" : "var");
        float[] gamma = bn.paramTable().containsKey("gamma") ? vector(bn, "gamma") : null;
        float[] beta = bn.paramTable().containsKey("beta") ? vector(bn, "beta") : null;
        float[] scale = new float[mean.length];
        float[] shift = new float[mean.length];
        for (int c = 0; c < mean.length; c++) {
            double sd = logStd ? Math.pow(10, spread[c]) : Math.sqrt(spread[c] + conf.getEps());
            double s = (gamma == null ? conf.getGamma() : gamma[c]) / sd;
            scale[c] = (float) s;
            shift[c] = (float) ((beta == null ? conf.getBeta() : beta[c]) - mean[c] * s);
        }
        return new BatchNormAffine(scale, shift);
    }

    private static float[] vector(Layer bn, String key) {
        return bn.getParam(key).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').reshape(-1).toFloatVector();
    }
}
