package org.transferkit.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the predict job reads and writes. Immutable; serializable (names and numbers only).
 *
 * @param model the classifier file (a local file of the driver; Spark ships it to the executors)
 * @param source labelled images (a folder of class sub-folders or a CSV manifest): predictions and an evaluation;
 *     null when {@code images} is given
 * @param images a folder of unlabelled images (searched recursively): predictions only; null when {@code source}
 *     is given
 * @param output where the Parquet predictions go (any Hadoop file system URI or a local path); replaced if present
 * @param metrics where metrics.json goes (report.html beside it) when the images are labelled, or null for none
 * @param batchSize images per network pass, >= 1
 * @param partitions Spark partitions of the image list, >= 1 (0: Spark's default parallelism)
 */
public record PredictOptions(String model, String source, String images, String output, String metrics,
        int batchSize, int partitions) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Usage text of {@link #parse}. */
    public static final String USAGE = "--model FILE (--source DIR|CSV | --images DIR) --output PATH "
            + "[--metrics FILE] [--batch 32] [--partitions N]";

    private static final Set<String> OPTIONS = Set.of("--model", "--source", "--images", "--output", "--metrics",
            "--batch", "--partitions");

    /**
     * @throws IllegalArgumentException if both or neither of source and images are given, metrics are asked of
     *     unlabelled images, or a number is out of range
     * @throws NullPointerException if model or output is null
     */
    public PredictOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(output, "output");
        if ((source == null) == (images == null)) {
            throw new IllegalArgumentException("give either --source (labelled images) or --images (unlabelled), "
                    + "not both or neither; usage: " + USAGE);
        }
        if (metrics != null && source == null) {
            throw new IllegalArgumentException("--metrics needs labelled images (--source DIR|CSV)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions must be >= 1, or 0 for Spark's default, got " + partitions);
        }
    }

    /**
     * @param args the arguments of {@link #USAGE}, each option followed by its value
     * @return the options
     * @throws IllegalArgumentException if an option is unknown, lacks its value or has a bad one
     */
    public static PredictOptions parse(String... args) {
        Args a = Args.parse(args, OPTIONS, List.of("--model", "--output"), USAGE);
        return new PredictOptions(a.text("--model", null), a.text("--source", null), a.text("--images", null),
                a.text("--output", null), a.text("--metrics", null), (int) a.integer("--batch", 32),
                (int) a.integer("--partitions", 0));
    }
}
