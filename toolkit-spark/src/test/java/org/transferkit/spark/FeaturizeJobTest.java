package org.transferkit.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.transferkit.Checksums;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.data.LabelledImage;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.Runner;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;
import org.transferkit.model.SkippedFile;
import org.transferkit.runtime.CpuHelpers;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoShapes;

/**
 * The featurize job on Spark's local master against the single-machine featurizer, on generated images. Tagged
 * {@code real-data} (runs once, in CI's real-data profile): starting Spark and the two featurizers takes 60-75 s
 * on the loaded two-core build machine.
 */
@Tag("real-data")
class FeaturizeJobTest {
    private static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("FeaturizeJobTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @Test
    void everyImageOnceWithTheSingleMachineFeaturesSplitAndHashAndTheBadFileSkipped(@TempDir Path dir)
            throws Exception {
        Path data = DemoShapes.writeDataset(dir.resolve("shapes"), DemoShapes.Task.TARGET, 4, 11);
        Path bad = data.resolve("ring").resolve("ring_broken.png");
        Files.write(bad, "not an image".getBytes(StandardCharsets.US_ASCII));
        String out = dir.resolve("features.parquet").toUri().toString();
        FeaturizeOptions options = new FeaturizeOptions(data.toString(), out, "demo", null, "conv4",
                HeadSpec.Pooling.AVG, 0.25, 0, 42, 4, 2, EngineMode.AUTO);

        FeaturizeReport report = FeaturizeJob.run(spark, options);

        ImageDataset all = ImageDataset.fromFolder(data);
        DatasetSplit split = DatasetSplit.stratified(all, 0.25, 0, 42);
        List<SkippedFile> expectedSkipped = new ArrayList<>();
        Map<String, float[]> expected = singleMachineFeatures(all, expectedSkipped);
        assertEquals(16, report.featurized());
        assertEquals(List.of(bad.toString()), report.skipped().stream().map(s -> s.path().toString()).toList());
        assertEquals(List.of(bad), expectedSkipped.stream().map(SkippedFile::path).toList());
        assertEquals(expectedSkipped.get(0).reason(), report.skipped().get(0).reason());

        List<Row> rows = spark.read().parquet(out).collectAsList();
        assertEquals(17, rows.size());
        assertEquals(17, rows.stream().map(r -> r.getString(r.fieldIndex(FeatureRows.PATH))).distinct().count(),
                "each image exactly once");
        Map<String, String> splitOf = splitOf(split);
        for (Row r : rows) {
            String path = r.getAs(FeatureRows.PATH);
            assertEquals(splitOf.get(path), r.getAs(FeatureRows.SPLIT), path);
            if (path.equals(bad.toString())) {
                assertNull(r.getAs(FeatureRows.FEATURES));
                assertNull(r.getAs(FeatureRows.CONTENT_SHA256));
                continue;
            }
            assertNull(r.getAs(FeatureRows.REASON), path);
            assertEquals(Checksums.sha256(Path.of(path)), r.getAs(FeatureRows.CONTENT_SHA256));
            assertEquals(Path.of(path).getParent().getFileName().toString(), r.getAs(FeatureRows.LABEL));
            List<Float> got = r.getList(r.fieldIndex(FeatureRows.FEATURES));
            float[] want = expected.get(path);
            assertNotNull(want, path);
            assertEquals(want.length, got.size(), path);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got.get(i), 1e-5, path + " feature " + i);
            }
        }
    }

    @Test
    void aTaskFailingItsFirstAttemptMidWriteIsRetriedAndEveryImageWrittenOnce(@TempDir Path dir) throws Exception {
        Path data = DemoShapes.writeDataset(dir.resolve("shapes"), DemoShapes.Task.TARGET, 3, 5);
        String out = dir.resolve("features.parquet").toUri().toString();
        FeaturizeOptions options = new FeaturizeOptions(data.toString(), out, "demo", null, null,
                HeadSpec.Pooling.AVG, 0, 0, 42, 2, 2, EngineMode.AUTO);

        FeaturizeReport report = FeaturizeJob.run(spark, options, FailFirstAttempt::new);

        assertEquals(12, report.featurized());
        assertEquals(List.of(), report.skipped());
        List<Row> rows = spark.read().parquet(out).collectAsList();
        assertEquals(12, rows.size());
        assertEquals(12, rows.stream().map(r -> r.getString(r.fieldIndex(FeatureRows.PATH))).distinct().count(),
                "each image exactly once after the retry");
    }

    @Test
    void aReRunReusesEveryVectorWhoseContentIsAlreadyFeaturizedAndComputesOnlyTheNewImages(@TempDir Path dir)
            throws Exception {
        Path data = DemoShapes.writeDataset(dir.resolve("shapes"), DemoShapes.Task.TARGET, 3, 5);
        String out = dir.resolve("features.parquet").toUri().toString();
        FeaturizeOptions options = new FeaturizeOptions(data.toString(), out, "demo", null, null,
                HeadSpec.Pooling.AVG, 0, 0, 42, 2, 2, EngineMode.AUTO);
        FeaturizeReport first = FeaturizeJob.run(spark, options);
        assertEquals(12, first.featurized());
        assertEquals(0, first.reused());
        Map<String, List<Float>> before = vectors(out);

        // two new images, and a copy of an old one under a new name (same content: reused, not recomputed)
        Path more = DemoShapes.writeDataset(dir.resolve("more"), DemoShapes.Task.TARGET, 1, 99);
        String cls = DemoShapes.Task.TARGET.classes().get(0);
        List<Path> added = new ArrayList<>();
        try (var files = Files.list(more.resolve(cls))) {
            for (Path f : files.sorted().toList()) {
                added.add(Files.copy(f, data.resolve(cls).resolve("new_" + f.getFileName())));
            }
        }
        String copiedFrom = before.keySet().stream().filter(p -> p.contains("/" + cls + "/")).sorted().findFirst()
                .orElseThrow();
        Path copy = Files.copy(Path.of(copiedFrom), data.resolve(cls).resolve("renamed_copy.png"));
        LongAccumulator seen = spark.sparkContext().longAccumulator("rows featurized");
        FeaturizeReport second = FeaturizeJob.run(spark, options, f -> new Counting(f, seen));

        assertEquals(12 + added.size() + 1, second.featurized());
        assertEquals(13, second.reused(), "the 12 old images and the renamed copy");
        assertEquals(added.size(), seen.value(), "only the new images ran through the backbone");
        Map<String, List<Float>> after = vectors(out);
        assertEquals(12 + added.size() + 1, after.size());
        for (Map.Entry<String, List<Float>> e : before.entrySet()) {
            assertEquals(e.getValue(), after.get(e.getKey()), e.getKey());
        }
        assertEquals(before.get(copiedFrom), after.get(copy.toString()));

        // another cut point makes other vectors: nothing is reused
        FeaturizeOptions otherCut = new FeaturizeOptions(data.toString(), out, "demo", null, "conv4",
                HeadSpec.Pooling.AVG, 0, 0, 42, 2, 2, EngineMode.AUTO);
        assertEquals(0, FeaturizeJob.run(spark, otherCut).reused());
    }

    private static Map<String, List<Float>> vectors(String out) {
        Map<String, List<Float>> m = new HashMap<>();
        for (Row r : spark.read().parquet(out).collectAsList()) {
            m.put(r.getAs(FeatureRows.PATH), r.getList(r.fieldIndex(FeatureRows.FEATURES)));
        }
        return m;
    }

    /** Counts the rows that enter the partition featurizer. */
    private static final class Counting implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final FlatMapFunction<Iterator<Row>, Row> inner;
        private final LongAccumulator seen;

        Counting(FlatMapFunction<Iterator<Row>, Row> inner, LongAccumulator seen) {
            this.inner = inner;
            this.seen = seen;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) throws Exception {
            List<Row> rows = new ArrayList<>();
            input.forEachRemaining(rows::add);
            seen.add(rows.size());
            return inner.call(rows.iterator());
        }
    }

    /** Fails partition 0's first attempt after it has emitted one row (so its writer has begun a file). */
    private static final class FailFirstAttempt implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final FlatMapFunction<Iterator<Row>, Row> inner;

        FailFirstAttempt(FlatMapFunction<Iterator<Row>, Row> inner) {
            this.inner = inner;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) throws Exception {
            Iterator<Row> rows = inner.call(input);
            TaskContext task = TaskContext.get();
            if (task.partitionId() != 0 || task.attemptNumber() > 0) {
                return rows;
            }
            return new Iterator<>() {
                private int emitted;

                @Override
                public boolean hasNext() {
                    if (emitted == 1) {
                        throw new IllegalStateException("injected failure of partition 0, attempt 0");
                    }
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    emitted++;
                    return rows.next();
                }
            };
        }
    }

    /**
     * The single-machine route of the library's Trainer: the transfer graph of the default head, featurized at its
     * global pooling of the spatial cut {@code conv4}, through a {@link Runner}, the whole dataset in one pipeline of
     * batches of 32.
     */
    private static Map<String, float[]> singleMachineFeatures(ImageDataset all, List<SkippedFile> skipped)
            throws Exception {
        Backbone backbone = BackboneCatalog.open("demo", null, 42);
        CutPoint cut = backbone.cutPoint("conv4"); // a spatial cut: features after the head's global pooling
        ComputationGraph graph = TransferModel.surgery(backbone.loadGraph(), cut, HeadSpec.builder().build(),
                all.labels().size()).updater(new Adam(1e-3)).seed(42).build();
        CpuHelpers.apply(graph, RuntimeOptions.defaults());
        String vertex = TransferModel.POOL;
        TransferLearningHelper helper = new TransferLearningHelper(graph, vertex);
        Map<String, float[]> features = new HashMap<>();
        try (Runner runner = new Runner(graph, vertex,
                x -> helper.featurize(new DataSet(x, null)).getFeatures());
                ImagePipeline pipe = ImagePipeline.builder(all).shape(backbone.inputShape())
                        .preprocessing(backbone.preprocessing()).batchSize(32).threads(2).build()) {
            while (pipe.hasNext()) {
                DataSet batch = pipe.next();
                float[][] rows = runner.output(batch.getFeatures()).reshape(batch.numExamples(), -1).toFloatMatrix();
                for (int i = 0; i < rows.length; i++) {
                    features.put(String.valueOf(batch.getExampleMetaData().get(i)), rows[i]);
                }
            }
            skipped.addAll(pipe.skipped());
        } finally {
            graph.close();
        }
        return features;
    }

    private static Map<String, String> splitOf(DatasetSplit split) {
        Map<String, String> m = new HashMap<>();
        for (LabelledImage i : split.train().images()) {
            m.put(i.path().toString(), "train");
        }
        for (LabelledImage i : split.val().images()) {
            m.put(i.path().toString(), "val");
        }
        for (LabelledImage i : split.test().images()) {
            m.put(i.path().toString(), "test");
        }
        return m;
    }
}
