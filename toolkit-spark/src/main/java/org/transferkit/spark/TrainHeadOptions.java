package org.transferkit.spark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.transferkit.head.HeadSpec;
import org.transferkit.train.FineTune;
import org.transferkit.train.HeadSearch;
import org.transferkit.train.LrSchedule;
import org.transferkit.train.Optimizer;

/**
 * What the train-head job reads and writes, and the head's settings: the same flags and defaults as the
 * single-machine {@code train} for everything that trains on features. Immutable.
 *
 * @param features a featurize job's output (any Hadoop file system URI or a local path)
 * @param out where the classifier goes (a local file of the driver); metrics.json and report.html go beside it
 * @param backbone the backbone that made the features, by name (its graph becomes the classifier's frozen part)
 * @param weights its weights file, or null for its own
 * @param settings the head's settings, with the cut point and pooling the features were made at
 * @param memoryBudget bytes of the driver's memory the head's vectors may take, >= 1: the training and validation
 *     vectors are held in memory when {@link #BYTES_PER_VALUE} x their values fit in it, else streamed from the
 *     Parquet rows every epoch with at most that many bytes' worth of vectors on the driver at once (see
 *     {@link TrainHeadJob})
 */
public record TrainHeadOptions(String features, Path out, String backbone, String weights, FineTune settings,
        long memoryBudget) {
    /**
     * Driver memory per feature value of a vector held for in-memory training: 4 bytes each for the vectors, their
     * off-heap matrix, the epoch's shuffled copy and its batches (measured: 4.3 GB peak at 100,000 x 512 values plus
     * the JVM's baseline).
     */
    public static final long BYTES_PER_VALUE = 16;

    /** Usage text of {@link #parse}. */
    public static final String USAGE = "--features PATH --out FILE [--backbone demo] [--weights FILE] [--cut NAME] "
            + "[--pooling avg|max|flatten] [--epochs 30] [--batch 32] [--lr 0.001] [--optimizer adam|sgd|rmsprop] "
            + "[--hidden 128[,64...]|0] [--dropout 0.2] [--seed 42] [--patience 0] [--weight-decay 0] "
            + "[--label-smoothing 0] [--class-weights false] [--schedule constant|step|cosine] [--step-every 7] "
            + "[--step-gamma 0.1] [--warmup 0] [--search quick|thorough|off] [--search-folds 5] "
            + "[--search-budget SECONDS] [--memory-budget SIZE]";

    private static final Set<String> OPTIONS = Set.of("--features", "--out", "--backbone", "--weights", "--cut",
            "--pooling", "--epochs", "--batch", "--lr", "--optimizer", "--hidden", "--dropout", "--seed",
            "--patience", "--weight-decay", "--label-smoothing", "--class-weights", "--schedule", "--step-every",
            "--step-gamma", "--warmup", "--search", "--search-folds", "--search-budget", "--memory-budget");

    /**
     * @throws NullPointerException if features, out, backbone or settings is null
     * @throws IllegalArgumentException if the memory budget is < 1
     */
    public TrainHeadOptions {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(settings, "settings");
        if (memoryBudget < 1) {
            throw new IllegalArgumentException("the memory budget must be >= 1 byte, got " + memoryBudget);
        }
    }

    /** The options with the default memory budget ({@link #defaultMemoryBudget()}). */
    public TrainHeadOptions(String features, Path out, String backbone, String weights, FineTune settings) {
        this(features, out, backbone, weights, settings, defaultMemoryBudget());
    }

    /** @return half the largest heap this JVM (the driver) may grow to */
    public static long defaultMemoryBudget() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    /** @return a copy with another memory budget */
    public TrainHeadOptions withMemoryBudget(long bytes) {
        return new TrainHeadOptions(features, out, backbone, weights, settings, bytes);
    }

    /**
     * Reads command-line arguments ({@link #USAGE}), each option followed by its value.
     *
     * @param args the arguments
     * @return the options
     * @throws IllegalArgumentException if an option is unknown, lacks its value or has a bad one, or
     *     {@code --features} or {@code --out} is missing
     */
    public static TrainHeadOptions parse(String... args) {
        Args a = Args.parse(args, OPTIONS, List.of("--features", "--out"), USAGE);
        HeadSpec.Builder head = HeadSpec.builder().dropout(a.number("--dropout", 0.2))
                .pooling(FeaturizeOptions.parsePooling(a.text("--pooling", "avg")));
        int[] hidden = hidden(a.text("--hidden", "128"));
        if (hidden.length == 1 && hidden[0] == 0) {
            head.hidden();
        } else {
            head.hidden(hidden);
        }
        FineTune.Builder b = FineTune.builder().head(head.build()).cutPoint(a.text("--cut", null))
                .epochs((int) a.integer("--epochs", 30)).batchSize((int) a.integer("--batch", 32))
                .learningRate(a.number("--lr", 0.001)).optimizer(Optimizer.parse(a.text("--optimizer", "adam")))
                .seed(a.integer("--seed", 42)).patience((int) a.integer("--patience", 0))
                .weightDecay(a.number("--weight-decay", 0)).labelSmoothing(a.number("--label-smoothing", 0))
                .classWeights(a.bool("--class-weights", false))
                .schedule(new LrSchedule(LrSchedule.parseType(a.text("--schedule", "constant")),
                        (int) a.integer("--step-every", 7), a.number("--step-gamma", 0.1),
                        (int) a.integer("--warmup", 0)));
        HeadSearch search = HeadSearch.parse(a.text("--search", "quick")).withFolds((int) a.integer("--search-folds", 5));
        if (a.has("--search-budget")) {
            search = search.withBudget(Duration.ofSeconds(a.integer("--search-budget", 0)));
        }
        b.search(search);
        long budget = a.has("--memory-budget") ? Args.bytes("--memory-budget", a.text("--memory-budget", null))
                : defaultMemoryBudget();
        return new TrainHeadOptions(a.text("--features", null), Path.of(a.text("--out", null)),
                a.text("--backbone", "demo"), a.text("--weights", null), b.build(), budget);
    }

    private static int[] hidden(String v) {
        String[] parts = v.split(",");
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            sizes[i] = (int) Args.integer("--hidden", parts[i]);
        }
        return sizes;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "features=%s out=%s backbone=%s weights=%s memory-budget=%d settings=%s",
                features, out, backbone, weights, memoryBudget, settings.toMap());
    }
}
