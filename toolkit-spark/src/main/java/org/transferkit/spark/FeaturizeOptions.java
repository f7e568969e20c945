package org.transferkit.spark;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;
import org.transferkit.engine.EngineMode;
import org.transferkit.head.HeadSpec;

/**
 * What the featurize job reads, how it splits and featurizes, and where it writes. Immutable; serializable, so
 * executors receive it with their tasks (it holds only names and numbers).
 *
 * @param source a folder with one sub-folder per class, or a CSV manifest ({@code path,label[,split]})
 * @param output where the Parquet rows go (any Hadoop file system URI or a local path); replaced if present
 * @param backbone a backbone name of {@code org.transferkit.zoo.BackboneCatalog}
 * @param weights the backbone's weights file, or null for its own (it must be readable on every executor)
 * @param cut the cut point's name, or null for the backbone's default
 * @param pooling how a spatial cut is reduced, as the head of the same name would ({@code FLATTEN}: not reduced)
 * @param valFraction share of each class for validation, in [0, 1)
 * @param testFraction share of each class for test, in [0, 1)
 * @param seed the split's seed (and the backbone's, where its weights are random)
 * @param batchSize images per forward pass, >= 1
 * @param partitions Spark partitions of the image list, >= 1 (0: Spark's default parallelism)
 * @param engine where the frozen layers run
 */
public record FeaturizeOptions(String source, String output, String backbone, String weights, String cut,
        HeadSpec.Pooling pooling, double valFraction, double testFraction, long seed, int batchSize, int partitions,
        EngineMode engine) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Usage text of {@link #parse}. */
    public static final String USAGE = "--source DIR|CSV --output PATH [--backbone demo] [--weights FILE] [--cut NAME] "
            + "[--pooling avg|max|flatten] [--val-fraction 0.2] [--test-fraction 0.3] [--seed 42] [--batch 32] "
            + "[--partitions N] [--engine auto|onednn|nd4j|dl4j]";

    /**
     * @throws IllegalArgumentException if a value is out of range; the message names it and the allowed values
     * @throws NullPointerException if source, output, backbone, pooling or engine is null
     */
    public FeaturizeOptions {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(engine, "engine");
        if (valFraction < 0 || testFraction < 0 || valFraction + testFraction >= 1) {
            throw new IllegalArgumentException("val and test fractions must be >= 0 and sum to < 1, got val "
                    + valFraction + " and test " + testFraction);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions must be >= 1, or 0 for Spark's default, got " + partitions);
        }
    }

    /**
     * @param source the dataset
     * @param output where the rows go
     * @return options with the defaults of the single-machine {@code train}: the demo backbone at its default cut,
     *     average pooling, 20% validation, 30% test, seed 42, batches of 32, Spark's partitioning, engine auto
     */
    public static FeaturizeOptions of(String source, String output) {
        return new FeaturizeOptions(source, output, "demo", null, null, HeadSpec.Pooling.AVG, 0.2, 0.3, 42, 32, 0,
                EngineMode.AUTO);
    }

    /**
     * Reads command-line arguments ({@link #USAGE}), each option followed by its value.
     *
     * @param args the arguments
     * @return the options
     * @throws IllegalArgumentException if an option is unknown, lacks its value or has a bad one, or
     *     {@code --source} or {@code --output} is missing
     */
    public static FeaturizeOptions parse(String... args) {
        FeaturizeOptions o = of("", "");
        boolean source = false;
        boolean output = false;
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + name + " needs a value; usage: " + USAGE);
            }
            String v = args[i + 1];
            source |= name.equals("--source");
            output |= name.equals("--output");
            o = o.with(name, v);
        }
        if (!source || !output) {
            throw new IllegalArgumentException("--source and --output are required; usage: " + USAGE);
        }
        return o;
    }

    private FeaturizeOptions with(String name, String v) {
        return switch (name) {
            case "--source" -> new FeaturizeOptions(v, output, backbone, weights, cut, pooling, valFraction,
                    testFraction, seed, batchSize, partitions, engine);
            case "--output" -> new FeaturizeOptions(source, v, backbone, weights, cut, pooling, valFraction,
                    testFraction, seed, batchSize, partitions, engine);
            case "--backbone" -> new FeaturizeOptions(source, output, v, weights, cut, pooling, valFraction,
                    testFraction, seed, batchSize, partitions, engine);
            case "--weights" -> new FeaturizeOptions(source, output, backbone, v, cut, pooling, valFraction,
                    testFraction, seed, batchSize, partitions, engine);
            case "--cut" -> new FeaturizeOptions(source, output, backbone, weights, v, pooling, valFraction,
                    testFraction, seed, batchSize, partitions, engine);
            case "--pooling" -> new FeaturizeOptions(source, output, backbone, weights, cut, parsePooling(v),
                    valFraction, testFraction, seed, batchSize, partitions, engine);
            case "--val-fraction" -> new FeaturizeOptions(source, output, backbone, weights, cut, pooling,
                    Args.number(name, v), testFraction, seed, batchSize, partitions, engine);
            case "--test-fraction" -> new FeaturizeOptions(source, output, backbone, weights, cut, pooling,
                    valFraction, Args.number(name, v), seed, batchSize, partitions, engine);
            case "--seed" -> new FeaturizeOptions(source, output, backbone, weights, cut, pooling, valFraction,
                    testFraction, (long) Args.integer(name, v), batchSize, partitions, engine);
            case "--batch" -> new FeaturizeOptions(source, output, backbone, weights, cut, pooling, valFraction,
                    testFraction, seed, (int) Args.integer(name, v), partitions, engine);
            case "--partitions" -> new FeaturizeOptions(source, output, backbone, weights, cut, pooling, valFraction,
                    testFraction, seed, batchSize, (int) Args.integer(name, v), engine);
            case "--engine" -> new FeaturizeOptions(source, output, backbone, weights, cut, pooling, valFraction,
                    testFraction, seed, batchSize, partitions, EngineMode.parse(v));
            default -> throw new IllegalArgumentException("unknown option '" + name + "'; usage: " + USAGE);
        };
    }

    static HeadSpec.Pooling parsePooling(String v) {
        for (HeadSpec.Pooling p : HeadSpec.Pooling.values()) {
            if (p.name().equalsIgnoreCase(v.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown pooling '" + v + "'; valid: avg, max, flatten");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "source=%s output=%s backbone=%s weights=%s cut=%s pooling=%s val=%s test=%s "
                + "seed=%d batch=%d partitions=%d engine=%s", source, output, backbone, weights, cut, pooling,
                valFraction, testFraction, seed, batchSize, partitions, engine.id());
    }
}
