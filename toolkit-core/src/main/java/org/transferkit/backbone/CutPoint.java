package org.transferkit.backbone;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named place where a backbone can be cut: everything up to and including {@code vertex} is kept,
 * everything after it is removed. Immutable.
 *
 * @param name the public name users pass (stable across the {@code init()} and pretrained graphs)
 * @param vertex the graph vertex the name maps to in the loaded graph
 * @param outputShape the vertex's output shape per example: {@code [channels, height, width]} for a
 *     feature map, {@code [size]} for a vector
 * @param description one line for {@code models info}
 */
public record CutPoint(String name, String vertex, long[] outputShape, String description) {
    /** @throws IllegalArgumentException if the shape is not of rank 1 or 3 or has a non-positive size */
    public CutPoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vertex, "vertex");
        if (outputShape.length != 1 && outputShape.length != 3) {
            throw new IllegalArgumentException("cut point " + name + ": output shape must be [size] or [c, h, w], got "
                    + Arrays.toString(outputShape));
        }
        for (long d : outputShape) {
            if (d < 1) {
                throw new IllegalArgumentException("cut point " + name + ": shape sizes must be >= 1, got "
                        + Arrays.toString(outputShape));
            }
        }
        outputShape = outputShape.clone();
    }

    @Override
    public long[] outputShape() {
        return outputShape.clone();
    }

    /** @return true if the output is a feature map (needs pooling or flattening before a dense layer) */
    public boolean spatial() {
        return outputShape.length == 3;
    }

    /** @return channels for a feature map, the size for a vector: the width of globally pooled features */
    public long channels() {
        return outputShape[0];
    }

    /** @return the number of values per example when flattened */
    public long flatSize() {
        long n = 1;
        for (long d : outputShape) {
            n *= d;
        }
        return n;
    }

    /** @return the shape as text, e.g. {@code 64x8x8} or {@code 512} */
    public String shapeText() {
        StringBuilder sb = new StringBuilder();
        for (long d : outputShape) {
            if (sb.length() > 0) {
                sb.append('x');
            }
            sb.append(d);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CutPoint c && c.name.equals(name) && c.vertex.equals(vertex)
                && Arrays.equals(c.outputShape, outputShape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, vertex, Arrays.hashCode(outputShape));
    }

    @Override
    public String toString() {
        return name + " (" + shapeText() + ")";
    }
}
