package org.transferkit.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.head.HeadSpec;
import org.transferkit.train.FineTune;
import org.transferkit.train.TrainingListener;
import org.transferkit.zoo.BackboneCatalog;

/**
 * The train-head job in memory and streaming on the same generated vectors (written straight to Parquet in the
 * featurize job's layout, as the demo backbone's would be): forcing streaming with a tiny memory budget trains a head
 * whose kept-epoch validation accuracy and test accuracy match the in-memory head's within 0.05, while the driver
 * never holds more than a Spark partition of the budget's size and a batch. The two heads see their vectors in
 * different orders (the in-memory shuffle of the whole set vs the executors' hash order), so they are not identical;
 * {@code StreamingTrainingTest} in toolkit-core shows they are when the order is. Tagged {@code real-data} like the
 * module's other Spark tests (it starts Spark; it runs once, in CI's real-data profile).
 */
@Tag("real-data")
class StreamingHeadTest {
    private static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("StreamingHeadTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @Test
    void streamingWithATinyBudgetMatchesInMemoryAndHoldsOnlyAPartition(@TempDir Path dir) throws Exception {
        Backbone demo = BackboneCatalog.open("demo", null, 42);
        CutPoint cut = demo.defaultCutPoint();
        long values = 1;
        for (long d : cut.outputShape()) {
            values *= d;
        }
        int length = (int) (cut.spatial() ? cut.channels() : values);
        String features = dir.resolve("features.parquet").toUri().toString();
        writeVectors(features, FeaturizeJob.featurizedWith(demo, cut, HeadSpec.Pooling.AVG), length);
        FineTune settings = FineTune.builder().epochs(6).batchSize(32).seed(42).build();
        TrainHeadOptions base = new TrainHeadOptions(features, dir.resolve("memory").resolve("c.zip"), "demo", null,
                settings);

        List<String> said = new ArrayList<>();
        TrainHeadReport memory = TrainHeadJob.run(spark, base.withMemoryBudget(1L << 30), TrainingListener.NONE,
                said::add);
        long rows = 100;
        TrainHeadReport streamed = TrainHeadJob.run(spark, new TrainHeadOptions(features,
                dir.resolve("streamed").resolve("c.zip"), "demo", null, settings,
                TrainHeadOptions.BYTES_PER_VALUE * length * rows), TrainingListener.NONE, said::add);

        assertEquals("in memory", memory.training());
        assertEquals(900, memory.heldVectors(), "in memory: every training, validation and test vector");
        assertEquals("streaming", streamed.training());
        assertTrue(said.get(0).startsWith("head training in memory") && said.get(1).startsWith("head training streams"),
                said.toString());
        assertEquals(600, streamed.trainImages());
        assertEquals(150, streamed.valImages());
        assertEquals(1, streamed.skipped());
        assertEquals(memory.epochs(), streamed.epochs());
        assertEquals(memory.valScore(), streamed.valScore(), 0.05, "kept-epoch validation accuracy");
        assertEquals(memory.score(), streamed.score(), 0.05, "test accuracy");
        assertTrue(memory.valScore() > 0.6, "the classes are separable: " + memory.valScore());
        // a Spark partition of about 100 rows (range partitioning samples its bounds, so one may be somewhat larger)
        // plus a batch (training's 32, or measuring's 256)
        assertTrue(streamed.heldVectors() > rows && streamed.heldVectors() <= 2 * rows + 256,
                "rows on the driver at once: " + streamed.heldVectors());
        System.out.printf(Locale.ROOT, "StreamingHeadTest: in memory val %.4f test %.4f epoch %d (%d held); streaming "
                + "val %.4f test %.4f epoch %d (%d held)%n", memory.valScore(), memory.score(), memory.bestEpoch(),
                memory.heldVectors(), streamed.valScore(), streamed.score(), streamed.bestEpoch(),
                streamed.heldVectors());
    }

    /** 600 train, 150 val and 150 test vectors of three noisy Gaussian classes, plus one skipped file. */
    private static void writeVectors(String out, String with, int length) {
        Random r = new Random(7);
        float[][] centres = new float[3][length];
        for (float[] c : centres) { // centres about 2.8 noise deviations apart: about 85% separable
            for (int j = 0; j < length; j++) {
                c[j] = (float) (2 * r.nextGaussian() / Math.sqrt(length));
            }
        }
        List<Row> rows = new ArrayList<>();
        String[] labels = {"circle", "square", "triangle"};
        long position = 0;
        for (String split : List.of("train", "val", "test")) {
            int n = split.equals("train") ? 600 : 150;
            for (int i = 0; i < n; i++, position++) {
                int c = i % 3;
                float[] v = new float[length];
                for (int j = 0; j < length; j++) {
                    v[j] = (float) (centres[c][j] + r.nextGaussian());
                }
                rows.add(RowFactory.create("/data/" + labels[c] + "/" + split + i + ".png", labels[c], c, split,
                        position, "hash" + position, v, with, null));
            }
        }
        rows.add(RowFactory.create("/data/circle/broken.png", null, null, "train", null, null, null, null,
                "not an image"));
        spark.createDataFrame(rows, FeatureRows.OUTPUT).repartition(3).write().parquet(out);
    }
}
