package org.transferkit.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One image file and the index of its class in the dataset's label list.
 *
 * @param path the image file
 * @param label index into {@link ImageDataset#labels()}
 */
public record LabelledImage(Path path, int label) {
    /** @throws IllegalArgumentException if {@code label} is negative */
    public LabelledImage {
        Objects.requireNonNull(path, "path");
        if (label < 0) {
            throw new IllegalArgumentException("label index must be >= 0, got " + label + " for " + path);
        }
    }
}
