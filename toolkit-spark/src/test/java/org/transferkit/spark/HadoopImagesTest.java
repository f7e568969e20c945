package org.transferkit.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.engine.EngineMode;
import org.transferkit.head.HeadSpec;
import org.transferkit.model.SkippedFile;
import org.transferkit.train.FineTune;
import org.transferkit.train.TrainingListener;
import org.transferkit.zoo.DemoShapes;

/**
 * The featurize job reading its images from an in-process HDFS ({@code MiniDFSCluster} of hadoop-client-minicluster,
 * one name node and one data node in this JVM) against the same images from local paths, on {@code local[2]}:
 * generated shapes and one file that does not decode, uploaded to HDFS; a class-folder tree and a CSV manifest named
 * by {@code hdfs://} URIs, the Parquet output written to HDFS too. Every vector equals the local run's within 1e-5,
 * each image has the same split, and the skipped files are the same (by their place in the tree) with the same
 * reason. A head trained from the HDFS rows then predicts the HDFS images (labelled folder, and an unlabelled folder)
 * with the evaluation and skipped file of the same images from local paths. Tagged {@code real-data} like the
 * module's other Spark tests.
 */
@Tag("real-data")
class HadoopImagesTest {
    private static SparkSession spark;
    private static MiniDFSCluster hdfs;
    private static Path base;

    @BeforeAll
    static void start() throws Exception {
        base = Files.createTempDirectory("transferkit-hdfs");
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("dfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        spark = LocalSpark.start("HadoopImagesTest");
    }

    @AfterAll
    static void stop() throws Exception {
        spark.stop();
        hdfs.shutdown(true);
    }

    @Test
    void featuresFromHdfsEqualTheLocalRunsWithTheSameSkippedFile(@TempDir Path dir) throws Exception {
        Path data = DemoShapes.writeDataset(dir.resolve("shapes"), DemoShapes.Task.TARGET, 4, 11);
        Files.write(data.resolve("ring").resolve("ring_broken.png"),
                "not an image".getBytes(StandardCharsets.US_ASCII));
        Files.write(data.resolve("ring").resolve("notes.txt"), "a note".getBytes(StandardCharsets.US_ASCII));
        List<String> csv = new ArrayList<>(List.of("path,label"));
        try (var files = Files.walk(data)) {
            files.filter(Files::isRegularFile).sorted().forEach(f -> csv.add(data.relativize(f) + ","
                    + f.getParent().getFileName()));
        }
        Files.write(data.resolve("images.csv"), csv, StandardCharsets.UTF_8);
        FileSystem fs = hdfs.getFileSystem();
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(data.toUri()), new org.apache.hadoop.fs.Path("/photos"));
        String root = fs.getUri() + "/photos";

        FeaturizeReport local = FeaturizeJob.run(spark, options(data.toString(),
                dir.resolve("local.parquet").toUri().toString()));
        FeaturizeReport remote = FeaturizeJob.run(spark, options(root, root + "-features.parquet"));
        FeaturizeReport remoteCsv = FeaturizeJob.run(spark, options(root + "/images.csv",
                root + "-csv-features.parquet"));

        assertEquals(16, local.featurized());
        assertEquals(local.featurized(), remote.featurized());
        assertEquals(local.featurized(), remoteCsv.featurized());
        Map<String, String> localSkipped = skipped(local, data.toString());
        assertEquals(2, localSkipped.size(), localSkipped.toString());
        assertEquals(localSkipped, skipped(remote, root));
        assertEquals(localSkipped, skipped(remoteCsv, root));
        Map<String, Row> want = rows(dir.resolve("local.parquet").toUri().toString(), data.toString());
        assertSame(want, rows(root + "-features.parquet", root));
        assertSame(want, rows(root + "-csv-features.parquet", root));

        // a head trained from the HDFS rows predicts the HDFS images as it predicts the same images from local paths
        Path classifier = dir.resolve("run").resolve("classifier.zip");
        TrainHeadJob.run(spark, new TrainHeadOptions(root + "-features.parquet", classifier, "demo", null,
                FineTune.builder().cutPoint("conv4").epochs(2).build()), TrainingListener.NONE);
        PredictReport fromHdfs = PredictJob.run(spark, new PredictOptions(classifier.toString(), root, null,
                root + "-predictions.parquet", null, 4, 2));
        PredictReport fromLocal = PredictJob.run(spark, new PredictOptions(classifier.toString(), data.toString(),
                null, dir.resolve("predictions.parquet").toUri().toString(), null, 4, 2));
        assertEquals(fromLocal.evaluation().headline(), fromHdfs.evaluation().headline(), 1e-9);
        assertEquals(16, fromHdfs.predicted());
        assertEquals(skipped(fromLocal.skipped(), data.toString()), skipped(fromHdfs.skipped(), root));
        PredictReport unlabelled = PredictJob.run(spark, new PredictOptions(classifier.toString(), null,
                root + "/ring", root + "-ring.parquet", null, 4, 2));
        assertEquals(4, unlabelled.predicted(), "the four rings; the broken one skipped: " + unlabelled.skipped());
        assertEquals(1, unlabelled.skipped().size());
    }

    private static FeaturizeOptions options(String source, String output) {
        return new FeaturizeOptions(source, output, "demo", null, "conv4", HeadSpec.Pooling.AVG, 0.25, 0, 42, 4, 2,
                EngineMode.AUTO);
    }

    /** @return the skipped files by their place under {@code root}, with their reasons */
    private static Map<String, String> skipped(FeaturizeReport report, String root) {
        return skipped(report.skipped(), root);
    }

    private static Map<String, String> skipped(List<SkippedFile> files, String root) {
        Map<String, String> out = new HashMap<>();
        files.forEach(s -> out.put(relative(s.path().toString(), root), s.reason().replace(root, "ROOT")));
        return out;
    }

    private static String relative(String name, String root) {
        // a report's java.nio path of a URI has lost one slash of "hdfs://"
        String r = root.replace("://", ":/");
        String n = name.startsWith(root) ? name.substring(root.length()) : name.substring(r.length());
        return n.replaceAll("^/+", "");
    }

    private static Map<String, Row> rows(String parquet, String root) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : spark.read().parquet(parquet).collectAsList()) {
            out.put(relative(r.getAs(FeatureRows.PATH), root), r);
        }
        return out;
    }

    private static void assertSame(Map<String, Row> want, Map<String, Row> got) {
        assertEquals(want.keySet(), got.keySet());
        for (Map.Entry<String, Row> e : want.entrySet()) {
            Row w = e.getValue();
            Row g = got.get(e.getKey());
            String where = e.getKey();
            assertEquals((Object) w.getAs(FeatureRows.SPLIT), g.getAs(FeatureRows.SPLIT), where);
            assertEquals((Object) w.getAs(FeatureRows.REASON), g.getAs(FeatureRows.REASON), where);
            assertEquals((Object) w.getAs(FeatureRows.CONTENT_SHA256), g.getAs(FeatureRows.CONTENT_SHA256), where);
            if (w.getAs(FeatureRows.FEATURES) == null) {
                continue;
            }
            List<Float> wv = w.getList(w.fieldIndex(FeatureRows.FEATURES));
            List<Float> gv = g.getList(g.fieldIndex(FeatureRows.FEATURES));
            assertNotNull(gv, where);
            assertEquals(wv.size(), gv.size(), where);
            for (int i = 0; i < wv.size(); i++) {
                assertEquals(wv.get(i), gv.get(i), 1e-5, where + " value " + i);
            }
        }
        assertTrue(want.size() > 16);
    }
}
