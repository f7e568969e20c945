package org.transferkit.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.FineTuner;
import org.transferkit.TaskImages;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.TransferKitException;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.TargetManifest;
import org.transferkit.engine.Engine;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.Runner;
import org.transferkit.head.HeadSpec;
import org.transferkit.task.Task;
import org.transferkit.train.FineTune;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;
class ImageClassifierTest {
    @TempDir
    Path tmp;

    @Test
    void concurrentCallersGetExactlyTheSingleThreadedResults() throws Exception {
        ImageDataset ds = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("d"), 8, 1, "red", "blue"));
        FineTune s = FineTune.builder().epochs(3).batchSize(4).learningRate(0.01).seed(1).build();
        TinyBackbone bb = new TinyBackbone(1);
        TrainedModel r = FineTuner.builder(bb).settings(s).build().fit(DatasetSplit.stratified(ds, 0.25, 0, 1));
        Path file = tmp.resolve("c.zip");
        try (r) {
            r.save(file, Map.of());
        }
        Random rnd = new Random(4);
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            BufferedImage img = TestImages.image(i % 2 == 0 ? "red" : "blue", 20 + i, rnd);
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            ImageIO.write(img, "png", bos);
            images.add(bos.toByteArray());
        }
        try (ImageClassifier c = ImageClassifier.load(file)) {
            List<Prediction> single = new ArrayList<>();
            for (byte[] img : images) {
                List<ScoredLabel> p = ((Prediction.Classes) c.predict(img, 2)).ranked();
                assertEquals(2, p.size());
                assertTrue(p.get(0).probability() >= p.get(1).probability());
                assertEquals(1.0, p.get(0).probability() + p.get(1).probability(), 1e-5);
                single.add(c.predict(img, 2));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Prediction>> futures = new ArrayList<>();
                for (int round = 0; round < 5; round++) {
                    for (byte[] img : images) {
                        futures.add(pool.submit(() -> c.predict(img, 2)));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    assertEquals(single.get(i % images.size()), futures.get(i).get());
                }
            } finally {
                pool.shutdownNow();
            }
            TransferKitException bad = assertThrows(TransferKitException.class, () -> c.predict(new byte[] {1, 2, 3}, 1));
            assertTrue(bad.getMessage().contains("not a decodable image"), bad.getMessage());
            IllegalArgumentException top = assertThrows(IllegalArgumentException.class, () -> c.predict(images.get(0), 0));
            assertTrue(top.getMessage().contains("got 0"), top.getMessage());
            Path missing = tmp.resolve("missing.png");
            TransferKitException unreadable = assertThrows(TransferKitException.class,
                    () -> c.predictPaths(List.of(missing), 1));
            assertTrue(unreadable.getMessage().contains(missing.toString()), unreadable.getMessage());
        }
    }

    /** Trains a tiny model of the task on a few generated images and saves it; its quality does not matter. */
    private Path tinyModel(Task task) throws Exception {
        Path dir = tmp.resolve(task.id());
        DatasetSplit split = task == Task.SINGLE_LABEL
                ? DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(dir, 6, 2, "red", "blue")), 0.25, 0, 1)
                : TargetManifest.read(task == Task.MULTI_LABEL ? TaskImages.multiLabel(dir, 20, 2)
                        : TaskImages.regression(dir, 20, 2), task).split();
        FineTune s = FineTune.builder().epochs(2).batchSize(8).learningRate(0.01).seed(2)
                .head(HeadSpec.builder().task(task).hidden(8).build()).build();
        TinyBackbone bb = new TinyBackbone(2);
        Path file = tmp.resolve(task.id() + ".zip");
        FineTuner.Builder tuner = FineTuner.builder(bb).settings(s);
        if (task.usesThreshold()) {
            tuner.threshold(0.4);
        }
        try (TrainedModel r = tuner.build().fit(split)) {
            r.save(file, Map.of());
        }
        return file;
    }

    @Test
    void everyTaskPredictsAlikeFromAPathBytesAStreamAnImageAndABatch() throws Exception {
        Random rnd = new Random(9);
        List<Path> files = new ArrayList<>();
        List<BufferedImage> decoded = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            BufferedImage img = TestImages.image(i % 2 == 0 ? "red" : "blue", 16 + 3 * i, rnd);
            Path f = tmp.resolve("probe" + i + ".png");
            ImageIO.write(img, "png", f.toFile());
            files.add(f);
            decoded.add(ImageIO.read(f.toFile()));
        }
        for (Task task : Task.all()) {
            try (ImageClassifier c = ImageClassifier.load(tinyModel(task))) {
                assertEquals(task, c.task());
                List<Prediction> batch = c.predictPaths(files, 1);
                assertEquals(batch, c.predictAll(decoded, 1), task.id());
                for (int i = 0; i < files.size(); i++) {
                    Prediction p = c.predict(files.get(i), 1);
                    assertEquals(task, p.task());
                    assertEquals(p, batch.get(i), task + ": batch vs one by one, image " + i);
                    assertEquals(p, c.predict(Files.readAllBytes(files.get(i)), 1), task.id());
                    try (InputStream in = Files.newInputStream(files.get(i))) {
                        assertEquals(p, c.predict(in, 1), task.id());
                    }
                    assertEquals(p, c.predict(decoded.get(i), 1), task.id());
                    assertEquals(c.predict(files.get(i)), c.predict(decoded.get(i)), task.id());
                }
                assertEquals(List.of(), c.predictPaths(List.of(), 1));
            }
        }
    }

    @Test
    void eachTaskDecodesItsOwnPrediction() throws Exception {
        Path img = tmp.resolve("one.png");
        ImageIO.write(TestImages.image("red", 20, new Random(3)), "png", img.toFile());
        try (ImageClassifier c = ImageClassifier.load(tinyModel(Task.SINGLE_LABEL))) {
            Prediction.Classes p = (Prediction.Classes) c.predict(img);
            assertEquals(2, p.ranked().size(), "every class by default");
            assertEquals(p.top(), ((Prediction.Classes) c.predict(img, 1)).top());
        }
        try (ImageClassifier c = ImageClassifier.load(tinyModel(Task.MULTI_LABEL))) {
            assertEquals(0.4, c.threshold());
            Prediction.Labels saved = (Prediction.Labels) c.predict(img);
            float[] scores = c.scores(img);
            assertEquals(0.4, saved.threshold());
            assertEquals(2, saved.all().size());
            for (ScoredLabel l : saved.all()) {
                assertEquals(scores[l.index()], l.probability(), 1e-7);
                assertEquals(l.probability() >= 0.4, saved.present().contains(l), l.toString());
            }
            ImageClassifier strict = c.withThreshold(0.999);
            Prediction.Labels none = (Prediction.Labels) strict.predict(img);
            assertEquals(0.999, none.threshold());
            assertEquals(saved.all(), none.all());
            assertTrue(none.present().stream().allMatch(l -> l.probability() >= 0.999), none.toString());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.withThreshold(1.5));
            assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        }
        try (ImageClassifier c = ImageClassifier.load(tinyModel(Task.REGRESSION))) {
            Prediction.Values v = (Prediction.Values) c.predict(img);
            float[] scores = c.scores(img);
            assertEquals(List.of("brightness", "inverse"), List.copyOf(v.values().keySet()));
            assertEquals(scores[0], v.values().get("brightness"), 1e-6);
            assertEquals(scores[1], v.values().get("inverse"), 1e-6);
            assertTrue(v.summary().startsWith("brightness "), v.summary());
        }
    }

    /**
     * The engine mode: a trained, saved and reloaded classifier's graph gives the same outputs on the compiled
     * engine (mode onednn) as on DL4J (mode dl4j), within float tolerance, and the loaded classifier predicts.
     * Training and {@code ImageClassifier.load} run in the default mode: they take no run-time options yet.
     */
    @Test
    void theCompiledEngineAndDl4jPredictAlike() throws Exception {
        ImageDataset ds = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("e"), 8, 1, "red", "blue"));
        FineTune s = FineTune.builder().epochs(3).batchSize(4).learningRate(0.01).seed(1).build();
        DatasetSplit split = DatasetSplit.stratified(ds, 0.25, 0, 1);
        TinyBackbone bb = new TinyBackbone(1);
        Path file = tmp.resolve("model.zip");
        try (TrainedModel r = FineTuner.builder(bb).settings(s).build().fit(split)) {
            r.save(file, Map.of());
        }
        try (ClassifierBundle b = ClassifierBundle.load(file)) {
            var in = b.manifest().inputShape();
            var compiled = Engine.tryCompile(b.graph(), b.graph().getConfiguration().getNetworkOutputs().get(0), in,
                    EngineMode.ONEDNN);
            assertTrue(compiled.isPresent(), "the tiny backbone and its head are covered by the engine");
            compiled.get().close();
            org.nd4j.linalg.api.ndarray.INDArray x = org.nd4j.linalg.factory.Nd4j.rand(
                    new long[] {3, in.channels(), in.height(), in.width()});
            try (Runner on = Runner.ofOutput(b.graph(), EngineMode.ONEDNN);
                    Runner off = Runner.ofOutput(b.graph(), EngineMode.DL4J)) {
                assertTrue(on.output(x).equalsWithEps(off.output(x), 1e-5), "same model, engine on vs off");
                assertTrue(on.compiled() && !off.compiled());
            }
        }
        BufferedImage img = TestImages.image("red", 21, new Random(5));
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bos);
        try (ImageClassifier c = ImageClassifier.load(file)) {
            float[] p = probabilities(c.predict(bos.toByteArray(), 2));
            assertEquals(1.0, p[0] + p[1], 1e-4, "two labels' probabilities");
        }
    }

    private static float[] probabilities(Prediction prediction) {
        List<ScoredLabel> ps = ((Prediction.Classes) prediction).ranked();
        float[] p = new float[ps.size()];
        for (ScoredLabel x : ps) {
            p[x.index()] = (float) x.probability();
        }
        return p;
    }
}
