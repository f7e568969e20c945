package org.transferkit.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
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
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.TransferKitException;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.engine.Engine;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.Runner;
import org.transferkit.train.FineTune;
import org.transferkit.train.Trainer;
import org.transferkit.train.TrainingListener;
import org.transferkit.train.TrainingResult;

import org.transferkit.task.ScoredLabel;
class ImageClassifierTest {
    @TempDir
    Path tmp;

    @Test
    void concurrentCallersGetExactlyTheSingleThreadedResults() throws Exception {
        ImageDataset ds = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("d"), 8, 1, "red", "blue"));
        FineTune s = FineTune.builder().epochs(3).batchSize(4).learningRate(0.01).seed(1).build();
        TinyBackbone bb = new TinyBackbone(1);
        TrainingResult r = Trainer.fit(bb, DatasetSplit.stratified(ds, 0.25, 0, 1), s, TrainingListener.NONE);
        Path file = tmp.resolve("c.zip");
        try (ClassifierBundle b = r.toBundle(bb, s, Map.of())) {
            b.save(file);
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
            List<List<ScoredLabel>> single = new ArrayList<>();
            for (byte[] img : images) {
                List<ScoredLabel> p = c.predict(img, 2);
                assertEquals(2, p.size());
                assertTrue(p.get(0).probability() >= p.get(1).probability());
                assertEquals(1.0, p.get(0).probability() + p.get(1).probability(), 1e-5);
                single.add(p);
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<List<ScoredLabel>>> futures = new ArrayList<>();
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
            assertThrows(IllegalArgumentException.class, () -> c.predict(images.get(0), 0));
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
        try (ClassifierBundle b = Trainer.fit(bb, split, s, TrainingListener.NONE).toBundle(bb, s, Map.of())) {
            b.save(file);
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

    private static float[] probabilities(List<ScoredLabel> ps) {
        float[] p = new float[ps.size()];
        for (ScoredLabel x : ps) {
            p[x.index()] = (float) x.probability();
        }
        return p;
    }
}
