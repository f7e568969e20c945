package org.transferkit.spark;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.EpochStats;
import org.transferkit.task.TaskReport;
import org.transferkit.train.FeatureSet;
import org.transferkit.train.FineTune;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.TrainingListener;
import org.transferkit.zoo.BackboneCatalog;

/**
 * The Spark job that trains the head on a featurize job's vectors and writes what the single-machine {@code train}
 * writes: the one-file classifier (the whole network: the frozen backbone and the trained head, so it predicts from
 * images), {@code metrics.json} and {@code report.html} beside it, evaluated on the test rows (the validation rows
 * when there are none).
 *
 * <p>The driver reads the vectors split by split with Spark's {@code toLocalIterator} ({@link FeatureReader}) into
 * {@link FeatureSet}s and trains with {@link FineTuner#fitFeatures}: the library's own transfer graph, head search,
 * epoch loop and kept-epoch choice, on the vectors in the single-machine order, so the same settings give the same
 * head as {@code train}. Training runs on the driver: the head is small and an epoch over a million 512-value
 * vectors is seconds, while the vectors take 4 bytes per value in the driver's memory (see the README for sizing).
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
            System.out.println(run(spark, options, TrainingListener.onEpoch(s -> SparkCli.epoch(System.out, s)))
                    .describe());
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
        FineTune settings = options.settings();
        Backbone backbone = BackboneCatalog.open(options.backbone(),
                options.weights() == null ? null : Path.of(options.weights()), settings.seed());
        CutPoint cut = settings.cutPoint() == null ? backbone.defaultCutPoint() : backbone.cutPoint(settings.cutPoint());
        FeatureReader reader = FeatureReader.of(spark.read().parquet(options.features()),
                FeaturizeJob.featurizedWith(backbone, cut, settings.head().pooling()));
        FeatureSet train = reader.read("train");
        FeatureSet val = reader.read("val");
        FeatureSet test = reader.read("test");
        FineTuner tuner = FineTuner.builder(backbone).settings(settings).listener(listener).build();
        try (TrainedModel model = tuner.fitFeatures(train, val)) {
            boolean onTest = test.size() > 0;
            String evaluatedOn = onTest ? "test" : "val";
            TaskReport report = model.evaluate(onTest ? test : val);
            Map<String, Object> metrics = model.metrics(report, evaluatedOn);
            metrics.put("trained_from", "features " + options.features());
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
                    skippedFiles(model, report));
        }
    }
}
