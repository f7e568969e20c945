package org.transferkit.backbone;

import java.util.Objects;
import org.transferkit.runtime.RuntimeOptions;

import java.nio.file.Path;

/**
 * How to open a backbone: a weights file to use instead of the default ones, the seed of random weights, and
 * the input size of a backbone built at any size. Immutable; the {@code with...} methods return copies.
 *
 * @param weights a weights file, or null for the backbone's default weights (or random ones)
 * @param seed seed of random weights
 * @param inputSize the square input side for a {@link BackboneInfo#resizable() resizable} backbone, or 0 for its
 *     default
 * @param runtime the run-time options (where weights are looked for)
 */
public record BackboneOptions(Path weights, long seed, int inputSize, RuntimeOptions runtime) {
    /**
     * @throws IllegalArgumentException if {@code inputSize} is negative
     */
    public BackboneOptions {
        Objects.requireNonNull(runtime, "runtime");
        if (inputSize < 0) {
            throw new IllegalArgumentException("input size must be > 0 (or 0 for the backbone's default), got " + inputSize);
        }
    }

    /**
     * @param weights a weights file, or null
     * @param seed seed of random weights
     * @return options at the backbone's default input size
     */
    public static BackboneOptions of(Path weights, long seed) {
        return new BackboneOptions(weights, seed, 0, RuntimeOptions.defaults());
    }

    /** @return default weights, seed 0, default input size */
    public static BackboneOptions defaults() {
        return of(null, 0);
    }

    /** @param file a weights file, or null @return a copy with it */
    public BackboneOptions withWeights(Path file) {
        return new BackboneOptions(file, seed, inputSize, runtime);
    }

    /** @param newSeed the seed @return a copy with it */
    public BackboneOptions withSeed(long newSeed) {
        return new BackboneOptions(weights, newSeed, inputSize, runtime);
    }

    /**
     * @param side the square input side, or 0 for the default
     * @return a copy with it
     * @throws IllegalArgumentException if {@code side} is negative
     */
    public BackboneOptions withInputSize(int side) {
        return new BackboneOptions(weights, seed, side, runtime);
    }

    /** @param options where weights are looked for @return a copy with them */
    public BackboneOptions withRuntime(RuntimeOptions options) {
        return new BackboneOptions(weights, seed, inputSize, options);
    }

    /**
     * For providers of random-weight backbones.
     *
     * @param name the backbone being opened
     * @throws IllegalArgumentException if a weights file was given
     */
    public void requireNoWeights(String name) {
        if (weights != null) {
            throw new IllegalArgumentException("backbone " + name + " has random weights; it takes no weights file (got "
                    + weights + ")");
        }
    }
}
