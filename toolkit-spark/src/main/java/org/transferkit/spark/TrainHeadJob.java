package org.transferkit.spark;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.sql.SparkSession;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.EpochStats;
import org.transferkit.task.TaskReport;
import org.transferkit.train.FeatureSet;
import org.transferkit.train.FeatureSource;
import org.transferkit.train.FineTune;
import org.transferkit.train.FineTuner;
import org.transferkit.train.HeadSearch;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.TrainingListener;
import org.transferkit.zoo.BackboneCatalog;

/**
 * The Spark job that trains the head on a featurize job's vectors and writes what the single-machine {@code train}
 * writes: the one-file classifier (the whole network: the frozen backbone and the trained head, so it predicts from
 * images), {@code metrics.json} and {@code report.html} beside it, evaluated on the test rows (the validation rows
 * when there are none).
 *
 * <p>Training runs on the driver (the head is small), in one of two ways chosen by {@link HeadMemory}'s rule from the
 * options' memory budget. <b>In memory</b> when the training and validation vectors fit: the driver reads them split
 * by split with Spark's {@code toLocalIterator} ({@link FeatureReader}) into {@link FeatureSet}s and trains with
 * {@link FineTuner#fitFeatures}: the library's own transfer graph, head search, epoch loop and kept-epoch choice, on
 * the vectors in the single-machine order, so the same settings give the same head as {@code train}.
 * <b>Streaming</b> when they do not: every epoch reads the rows again from Parquet ({@link ParquetFeatures}, shuffled
 * by the executors with the seed and the epoch number) and trains with {@link FineTuner#fitStreaming} in the same
 * epoch loop; the driver holds at most one Spark partition of the budget's size and one batch; the head search
 * cross-validates on a seeded stratified sample; the result differs from {@code train}'s as another shuffle would.
 *
 * <p>Run it with {@code spark-submit --class org.transferkit.spark.TrainHeadJob JAR} and the arguments of
 * {@link TrainHeadOptions#USAGE}.
 */
public final class TrainHeadJob {
    private TrainHeadJob() {
    }

    /**
     * The {@code spark-submit} entry point: parses the arguments, trains on the session spark-submit configured,
     * prints each epoch and the report.
     *
     * @param args the arguments of {@link TrainHeadOptions#USAGE}
     * @throws TransferKitException if the features or the backbone cannot be read, or the outputs not written
     * @throws IllegalArgumentException if an argument is unknown or bad
     */
    public static void main(String[] args) throws TransferKitException {
        TrainHeadOptions options = TrainHeadOptions.parse(args);
        SparkSession spark = SparkSession.builder().appName("transferkit-train-head").getOrCreate();
        try {
            System.out.println(run(spark, options, TrainingListener.onEpoch(s -> SparkCli.epoch(System.out, s)),
                    System.out::println).describe());
        } finally {
            spark.stop();
        }
    }

    /** @return the distinct files without a vector among training's and the evaluation's (val may be in both) */
    private static int skippedFiles(TrainedModel model, TaskReport report) {
        Set<Path> files = new HashSet<>();
        model.skipped().forEach(s -> files.add(s.path()));
        report.skipped().forEach(s -> files.add(s.path()));
        return files.size();
    }

    /**
     * Trains the head and writes the classifier, metrics.json and report.html.
     *
     * @param spark the session
     * @param options what to read and write, and the head's settings
     * @param listener receives progress events on the driver
     * @return where the files are and what the evaluation measured
     * @throws TransferKitException if the features or the backbone's weights cannot be read, too few classes have
     *     vectors, or an output cannot be written
     * @throws IllegalArgumentException if the features were made with another backbone, weights, cut point or
     *     pooling, or the settings need images (augmentation, phase 2)
     */
    public static TrainHeadReport run(SparkSession spark, TrainHeadOptions options, TrainingListener listener)
            throws TransferKitException {
        return run(spark, options, listener, line -> { });
    }

    /**
     * {@link #run(SparkSession, TrainHeadOptions, TrainingListener)}, saying where the vectors live (in memory or
     * streamed, and why: {@link HeadMemory}) and what the head search does, a line each, to {@code say}.
     */
    public static TrainHeadReport run(SparkSession spark, TrainHeadOptions options, TrainingListener listener,
            Consumer<String> say) throws TransferKitException {
        FineTune settings = options.settings();
        Backbone backbone = BackboneCatalog.open(options.backbone(),
                options.weights() == null ? null : Path.of(options.weights()), settings.seed());
        CutPoint cut = settings.cutPoint() == null ? backbone.defaultCutPoint() : backbone.cutPoint(settings.cutPoint());
        FeatureReader reader = FeatureReader.of(spark.read().parquet(options.features()),
                FeaturizeJob.featurizedWith(backbone, cut, settings.head().pooling()));
        Map<String, Long> sizes = reader.splitSizes();
        long trainN = sizes.getOrDefault("train", 0L);
        long testN = sizes.getOrDefault("test", 0L);
        HeadMemory memory = HeadMemory.of(trainN + sizes.getOrDefault("val", 0L), reader.length(),
                options.memoryBudget(), settings.batchSize());
        say.accept(memory.describe());
        FineTuner tuner = FineTuner.builder(backbone).settings(settings).listener(listener).build();
        boolean onTest = testN > 0;
        String evaluatedOn = onTest ? "test" : "val";
        if (memory.inMemory()) {
            FeatureSet val = reader.read("val");
            try (TrainedModel model = tuner.fitFeatures(reader.read("train"), val)) {
                // the test vectors are held too where all three splits fit, else read batch by batch
                boolean testHeld = memory.holds(memory.vectors() + testN);
                FeatureSource test = !onTest ? val : testHeld ? reader.read("test")
                        : reader.stream("test", memory.rowsAtOnce());
                return finish(options, model, test, evaluatedOn, "in memory", memory.vectors()
                        + (onTest && testHeld ? testN : 0));
            }
        }
        ParquetFeatures train = reader.stream("train", memory.rowsAtOnce());
        ParquetFeatures val = reader.stream("val", memory.rowsAtOnce());
        ParquetFeatures test = onTest ? reader.stream("test", memory.rowsAtOnce()) : val;
        int sample = memory.searchSample(train.size());
        if (settings.search().mode() != HeadSearch.Mode.OFF) {
            say.accept(String.format(Locale.ROOT, "head search: cross-validates in memory on a seeded, stratified "
                    + "sample of %,d of the %,d training vectors, then trains the winner streaming", sample,
                    train.size()));
        }
        try (TrainedModel model = tuner.fitStreaming(train, val, sample)) {
            long held = Math.max(Math.max(train.peakRowsHeld(), val.peakRowsHeld()), test.peakRowsHeld());
            TrainHeadReport report = finish(options, model, test, evaluatedOn, "streaming", held);
            if (model.search() != null && model.search().ran()) {
                return report.withHeldVectors(Math.max(held, sample));
            }
            return report;
        }
    }

    /** Evaluates, writes the classifier, metrics.json and report.html, and reports them. */
    private static TrainHeadReport finish(TrainHeadOptions options, TrainedModel model, FeatureSource evaluated,
            String evaluatedOn, String training, long heldVectors) throws TransferKitException {
        TaskReport report = model.evaluate(evaluated);
        Map<String, Object> metrics = model.metrics(report, evaluatedOn);
        metrics.put("trained_from", "features " + options.features());
        metrics.put("head_training", training);
        Map<String, Object> manifestMetrics = new LinkedHashMap<>(metrics);
        manifestMetrics.remove("skipped");
        Path out = options.out().toAbsolutePath();
        model.save(out, manifestMetrics);
        Path metricsFile = out.resolveSibling("metrics.json");
        TrainedModel.writeJson(metricsFile, metrics);
        Path reportFile = out.resolveSibling("report.html");
        model.writeReport(reportFile, out.getFileName() + " on " + evaluatedOn, report);
        List<EpochStats> history = model.history();
        return new TrainHeadReport(out, metricsFile, reportFile, evaluatedOn, model.task().metricName(),
                report.headline(), report.total(), model.bestEpoch(), history.size(),
                history.get(model.bestEpoch() - 1).valMetric(), model.trainImages(), model.valImages(),
                skippedFiles(model, report), training, heldVectors);
    }
}
