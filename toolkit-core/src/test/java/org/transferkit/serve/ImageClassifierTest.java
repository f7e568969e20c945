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
     * The switch: training with the engine off (DL4J featurizes) and on gives the same model, and a
     * loaded model predicts the same with and without it (within float tolerance).
     */
    @Test
    void theCompiledEngineAndDl4jTrainAndPredictAlike() throws Exception {
        ImageDataset ds = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("e"), 8, 1, "red", "blue"));
        FineTune s = FineTune.builder().epochs(3).batchSize(4).learningRate(0.01).seed(1).build();
        DatasetSplit split = DatasetSplit.stratified(ds, 0.25, 0, 1);
        TinyBackbone bb = new TinyBackbone(1);
        Path on = tmp.resolve("on.zip");
        Path off = tmp.resolve("off.zip");
        try {
            for (Path file : List.of(off, on)) {
                System.setProperty(Engine.PROPERTY, file == off ? "dl4j" : "onednn");
                TrainingResult r = Trainer.fit(bb, split, s, TrainingListener.NONE);
                try (ClassifierBundle b = r.toBundle(bb, s, Map.of())) {
                    b.save(file);
                    if (file == on) {
                        var compiled = Engine.tryCompile(b.graph(), b.graph().getConfiguration().getNetworkOutputs().get(0),
                                b.manifest().inputShape());
                        assertTrue(compiled.isPresent(), "the tiny backbone and its head are covered by the engine");
                        compiled.get().close();
                    }
                }
            }
            BufferedImage img = TestImages.image("red", 21, new Random(5));
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            ImageIO.write(img, "png", bos);
            float[][] p = new float[3][];
            int k = 0;
            for (String engine : List.of("onednn", "dl4j")) {
                System.setProperty(Engine.PROPERTY, engine);
                try (ImageClassifier c = ImageClassifier.load(on)) {
                    p[k++] = probabilities(c.predict(bos.toByteArray(), 2));
                }
            }
            System.setProperty(Engine.PROPERTY, "onednn");
            try (ImageClassifier c = ImageClassifier.load(off)) {
                p[k] = probabilities(c.predict(bos.toByteArray(), 2));
            }
            for (int i = 0; i < 2; i++) {
                assertEquals(p[0][i], p[1][i], 1e-5, "same model, engine on vs off");
                assertEquals(p[0][i], p[2][i], 1e-4, "trained with the engine vs trained on DL4J");
            }
        } finally {
            System.clearProperty(Engine.PROPERTY);
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
