package org.transferkit.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One image file and what it is labelled with: the index of its class (single-label datasets), or a
 * target vector (multi-label: 1 for each label the image has, 0 otherwise; regression: the numbers).
 * The target array is copied in and out, so instances are immutable; equality of the target is by
 * identity, as for any record holding an array.
 *
 * @param path the image file
 * @param label index into {@link ImageDataset#labels()} for single-label data; for targets, the stratum
 *     used when splitting (the first positive label of a multi-label image, 0 for regression)
 * @param target the target vector (one value per {@link ImageDataset#labels()} entry), or null for a
 *     single class
 */
public record LabelledImage(Path path, int label, float[] target) {
    /**
     * @throws IllegalArgumentException if {@code label} is negative or the target holds a non-finite value
     */
    public LabelledImage {
        Objects.requireNonNull(path, "path");
        if (label < 0) {
            throw new IllegalArgumentException("label index must be >= 0, got " + label + " for " + path);
        }
        if (target != null) {
            target = target.clone();
            for (float v : target) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("target values must be finite, got " + v + " for " + path);
                }
            }
        }
    }

    /**
     * An image of one class.
     *
     * @param path the image file
     * @param label index into {@link ImageDataset#labels()}
     */
    public LabelledImage(Path path, int label) {
        this(path, label, null);
    }

    /**
     * An image with a target vector.
     *
     * @param path the image file
     * @param target one value per label/target name (copied)
     * @param stratum the group it belongs to when splitting, >= 0
     * @return the image
     */
    public static LabelledImage withTarget(Path path, float[] target, int stratum) {
        return new LabelledImage(path, stratum, Objects.requireNonNull(target, "target"));
    }

    /** @return a copy of the target vector, or null for a single-class image */
    @Override
    public float[] target() {
        return target == null ? null : target.clone();
    }

    /**
     * @param width the dataset's number of outputs
     * @return the row the network is trained towards: the one-hot vector of {@link #label()}, or the target
     * @throws IllegalArgumentException if the target does not have {@code width} values
     */
    public float[] targetRow(int width) {
        if (target == null) {
            float[] oneHot = new float[width];
            oneHot[label] = 1f;
            return oneHot;
        }
        if (target.length != width) {
            throw new IllegalArgumentException(path + " has " + target.length + " target values, expected " + width);
        }
        return target.clone();
    }
}
