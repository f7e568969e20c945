package org.transferkit.data;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import org.transferkit.model.InputShape;
/** Fast hand-over of Java float arrays to ND4J. Stateless. */
public final class Tensors {
    private Tensors() {
    }

    /**
     * Copies {@code n} images of normalized CHW floats into a new {@code [n, c, h, w]} float array in one
     * bulk copy. ({@code Nd4j.create(float[])} copies element by element, which costs as much as decoding.)
     *
     * @param data at least {@code n * shape.size()} values
     * @param n images
     * @param shape image shape
     * @return a new INDArray owned by the caller
     * @throws IllegalArgumentException if {@code data} is too short
     */
    public static INDArray nchw(float[] data, int n, InputShape shape) {
        long len = (long) n * shape.size();
        if (data.length < len) {
            throw new IllegalArgumentException("need " + len + " values for " + n + " images of " + shape + ", got "
                    + data.length);
        }
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, shape.channels(), shape.height(),
            shape.width()}, 'c');
        try (FloatPointer p = new FloatPointer(a.data().addressPointer())) {
            p.put(data, 0, (int) len);
        }
        return a;
    }
}
