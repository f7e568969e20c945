package org.transferkit.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Copies one runtime layer's parameters out as float arrays. Not thread-safe; short-lived. */
final class Params {
    private final org.deeplearning4j.nn.api.Layer layer;
    private final String vertex;

    Params(org.deeplearning4j.nn.api.Layer layer, String vertex) {
        this.layer = layer;
        this.vertex = vertex;
    }

    /** @return the runtime layer (inside any frozen wrapper) */
    org.deeplearning4j.nn.api.Layer layer() {
        return layer;
    }

    /** @return true if the layer has parameter {@code key} */
    boolean has(String key) {
        return layer.paramTable().containsKey(key);
    }

    /**
     * @param key parameter name
     * @param transpose transpose a 2-d parameter first (dense weights are stored [nIn, nOut])
     * @return its values in row-major order
     */
    float[] floats(String key, boolean transpose) {
        INDArray a = layer.getParam(key);
        if (a == null) {
            throw Lowering.unsupported(vertex, "layer without parameter '" + key + "' (has " + layer.paramTable().keySet() + ")");
        }
        INDArray x = transpose ? a.transpose() : a;
        return x.castTo(DataType.FLOAT).dup('c').reshape(x.length()).toFloatVector();
    }

    /** @return the shape of parameter {@code key} */
    long[] shape(String key) {
        return layer.getParam(key).shape();
    }
}
