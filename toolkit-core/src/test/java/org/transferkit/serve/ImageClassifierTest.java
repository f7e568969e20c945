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
import org.transferkit.train.FineTune;
import org.transferkit.train.Trainer;
import org.transferkit.train.TrainingListener;
import org.transferkit.train.TrainingResult;

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
        try (ClassifierBundle b = ClassifierBundle.fromTraining(r, bb, s, Map.of())) {
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
            List<List<Prediction>> single = new ArrayList<>();
            for (byte[] img : images) {
                List<Prediction> p = c.predict(img, 2);
                assertEquals(2, p.size());
                assertTrue(p.get(0).probability() >= p.get(1).probability());
                assertEquals(1.0, p.get(0).probability() + p.get(1).probability(), 1e-5);
                single.add(p);
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<List<Prediction>>> futures = new ArrayList<>();
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
}
