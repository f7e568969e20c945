package org.transferkit.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageSource;
import org.transferkit.engine.EngineMode;
import org.transferkit.head.HeadSpec;
import org.transferkit.model.SkippedFile;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.EvaluationReport;
import org.transferkit.task.Task;
import org.transferkit.train.FeatureCache;
import org.transferkit.train.FineTune;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.TrainingListener;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoShapes;

/**
 * Issue 16's done-when test, end to end on {@code local[2]}: the shared hymenoptera photos through SqueezeNet with
 * its real ImageNet weights (generated shapes through the demo backbone where {@code ../shared} is absent), plus a
 * file that does not decode. The featurize job's train and val vectors equal the single-machine trainer's own (read
 * from its feature cache) within 1e-5 and it skips the same file; the head trained from the Parquet rows by the train-head
 * job reaches the validation accuracy, kept epoch and test accuracy of {@code FineTuner.fit} on the images with the
 * same settings; its classifier predicts the test images from their files with that accuracy; and the predict job
 * gives the same evaluation. Tagged {@code real-data}: it runs once, in CI's real-data profile.
 */
@Tag("real-data")
class SparkTrainingTest {
    private static final String SQUEEZENET_WEIGHTS =
            "weights/keras/squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5";
    private static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("SparkTrainingTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /** The images, the backbone that featurizes them, and a file among them that does not decode. */
    private record Material(Path csv, String backbone, String weights, Path broken) {
    }

    @Test
    void theHeadTrainedFromParquetMatchesTrainAndItsClassifierPredictsFromImages(@TempDir Path dir)
            throws Exception {
        Material m = material(dir);
        FineTune settings = FineTune.builder().epochs(20).seed(42).build();
        Backbone backbone = BackboneCatalog.open(m.backbone(), m.weights() == null ? null : Path.of(m.weights()), 42);
        DatasetSplit split = DatasetSplit.stratified(ImageSource.at(m.csv(), Task.SINGLE_LABEL, true).dataset(), 0.2,
                0.2, 42);
        Path cache = dir.resolve("cache");
        try (TrainedModel single = FineTuner.builder(backbone).settings(settings).featureCache(new FeatureCache(cache))
                .build().fit(split)) {
            EvaluationReport singleTest = (EvaluationReport) single.evaluate(split.test());

            String features = dir.resolve("features.parquet").toUri().toString();
            FeaturizeReport featurized = FeaturizeJob.run(spark, new FeaturizeOptions(m.csv().toString(), features,
                    m.backbone(), m.weights(), null, HeadSpec.Pooling.AVG, 0.2, 0.2, 42, 16, 2, EngineMode.AUTO));
            Set<Path> singleSkipped = new TreeSet<>();
            single.skipped().forEach(s -> singleSkipped.add(s.path()));
            singleTest.skipped().forEach(s -> singleSkipped.add(s.path()));
            assertEquals(Set.of(m.broken()), singleSkipped);
            assertEquals(List.of(m.broken()), featurized.skipped().stream().map(SkippedFile::path).toList());
            assertEquals(split.train().size() + split.val().size() + split.test().size() - 1, featurized.featurized());
            assertVectorsEqualTheCache(features, cache);

            Path classifier = dir.resolve("spark").resolve("classifier.zip");
            TrainHeadReport trained = TrainHeadJob.run(spark, new TrainHeadOptions(features, classifier,
                    m.backbone(), m.weights(), settings), TrainingListener.NONE);
            assertEquals(single.bestEpoch(), trained.bestEpoch());
            assertEquals(single.history().get(single.bestEpoch() - 1).valMetric(), trained.valScore(), 1e-9,
                    "validation accuracy of the kept epoch");
            assertEquals("test", trained.evaluatedOn());
            assertEquals(singleTest.accuracy(), trained.score(), 1e-9);
            assertTrue(Files.size(trained.metrics()) > 0 && Files.size(trained.report()) > 0);
            System.out.printf(Locale.ROOT, "SparkTrainingTest (%s): %d vectors; kept epoch %d, val accuracy %.4f "
                    + "(train: %.4f), test accuracy %.4f (train: %.4f)%n", m.backbone(), featurized.featurized(),
                    trained.bestEpoch(), trained.valScore(), single.history().get(single.bestEpoch() - 1).valMetric(),
                    trained.score(), singleTest.accuracy());

            try (ImageClassifier loaded = ImageClassifier.load(classifier)) {
                EvaluationReport fromFiles = (EvaluationReport) loaded.evaluate(split.test());
                assertEquals(singleTest.accuracy(), fromFiles.accuracy(), 1e-9, "the bundle predicts from images");
            }

            Path testCsv = manifest(dir.resolve("test.csv"), split.test(), m.broken());
            PredictReport predicted = PredictJob.run(spark, new PredictOptions(classifier.toString(),
                    testCsv.toString(), null, dir.resolve("predictions.parquet").toUri().toString(),
                    dir.resolve("predict").resolve("metrics.json").toString(), 16, 2));
            EvaluationReport distributed = (EvaluationReport) predicted.evaluation();
            assertNotNull(distributed);
            assertEquals(singleTest.accuracy(), distributed.accuracy(), 1e-9);
            assertEquals(split.test().size() - (split.test().images().stream()
                    .anyMatch(i -> i.path().equals(m.broken())) ? 1 : 0), distributed.total());
            assertEquals(List.of(m.broken()), predicted.skipped().stream().map(SkippedFile::path).toList());
            assertTrue(Files.exists(dir.resolve("predict").resolve("report.html")));
        }
    }

    /**
     * Every train and val vector of the Parquet rows equals the one the single-machine trainer cached for the same
     * image content (it featurizes no test image; those are checked through the test accuracy).
     */
    private static void assertVectorsEqualTheCache(String features, Path cacheDir) throws IOException {
        Path key;
        try (Stream<Path> dirs = Files.list(cacheDir)) {
            key = dirs.findFirst().orElseThrow();
        }
        FeatureCache cache = new FeatureCache(cacheDir);
        int compared = 0;
        for (Row r : spark.read().parquet(features).filter("reason is null and split != 'test'")
                .collectAsList()) {
            List<Float> got = r.getList(r.fieldIndex(FeatureRows.FEATURES));
            String path = r.getAs(FeatureRows.PATH);
            float[] want = cache.get(key.getFileName().toString(), r.getAs(FeatureRows.CONTENT_SHA256), got.size());
            assertNotNull(want, path);
            for (int i = 0; i < want.length; i++) {
                // relative: the jobs featurize in batches of another size, and oneDNN's Winograd convolutions may
                // then round differently (a different tile size), by a few parts in a million
                assertEquals(want[i], got.get(i), 1e-5 * Math.max(1, Math.abs(want[i])), path + " value " + i);
            }
            compared++;
        }
        assertTrue(compared > 0);
    }

    /**
     * @return a CSV manifest (written in {@code dir}, naming the images where they are) of the shared hymenoptera
     *     photos with SqueezeNet, or of generated shapes with the demo backbone where {@code ../shared} is absent;
     *     plus a file of the first class that does not decode
     */
    private static Material material(Path dir) throws IOException {
        Path shared = Path.of(System.getProperty("transferkit.shared", "../shared")).toAbsolutePath().normalize();
        Path photos = shared.resolve("datasets/hymenoptera");
        Path weights = shared.resolve(SQUEEZENET_WEIGHTS);
        boolean real = Files.isDirectory(photos) && Files.isRegularFile(weights);
        if (!real) {
            System.out.println("SparkTrainingTest: " + photos + " or " + weights + " is absent; running on generated "
                    + "shapes with the demo backbone");
        }
        Path images = real ? photos : DemoShapes.writeDataset(dir.resolve("shapes"), DemoShapes.Task.TARGET, 20, 7);
        List<String> lines = new ArrayList<>(List.of("path,label"));
        try (Stream<Path> files = Files.walk(images)) {
            for (Path f : files.filter(f -> Files.isRegularFile(f) && ImageDataset.isImageName(f)).sorted().toList()) {
                lines.add(quote(f.toString()) + "," + f.getParent().getFileName());
            }
        }
        String first = lines.get(1).substring(lines.get(1).lastIndexOf(',') + 1);
        Path broken = dir.resolve("broken").resolve("truncated.jpg");
        Files.createDirectories(broken.getParent());
        Files.write(broken, "not a jpeg".getBytes(StandardCharsets.US_ASCII));
        lines.add(broken + "," + first);
        Path csv = Files.write(dir.resolve("images.csv"), lines, StandardCharsets.UTF_8);
        return new Material(csv, real ? "squeezenet" : "demo", real ? weights.toString() : null, broken);
    }

    private static Path manifest(Path csv, ImageDataset part, Path broken) throws IOException {
        List<String> lines = new ArrayList<>(List.of("path,label"));
        part.images().forEach(i -> lines.add(quote(i.path().toString()) + "," + part.labels().get(i.label())));
        if (part.images().stream().noneMatch(i -> i.path().equals(broken))) {
            lines.add(broken + "," + part.labels().get(0));
        }
        return Files.write(csv, lines, StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
