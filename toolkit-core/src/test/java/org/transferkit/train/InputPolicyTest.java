package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TinyBackbone;
import org.transferkit.data.ImageDataset;
import org.transferkit.serve.ImageClassifier;

/** The thorough search compares squash and centre crop on the training images, records it, and predicts with it. */
class InputPolicyTest {
    @TempDir
    Path tmp;

    /** Wide images: the class colour fills only the centre square, the rest is red or blue at random. */
    private static Path wide(Path dir, int perClass, long seed) throws Exception {
        Random rnd = new Random(seed);
        Color[] noise = {Color.RED, Color.BLUE};
        for (String cls : List.of("red", "blue")) {
            Path cd = Files.createDirectories(dir.resolve(cls));
            for (int i = 0; i < perClass; i++) {
                BufferedImage img = new BufferedImage(80, 16, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(noise[rnd.nextInt(noise.length)]);
                g.fillRect(0, 0, 80, 16);
                g.setColor(cls.equals("red") ? Color.RED : Color.BLUE);
                g.fillRect(32, 0, 16, 16);
                g.dispose();
                ImageIO.write(img, "png", cd.resolve(cls + "_" + i + ".png").toFile());
            }
        }
        return dir;
    }

    @Test
    void theChosenPolicyIsRecordedAndPredictionUsesIt() throws Exception {
        ImageDataset train = ImageDataset.fromFolder(wide(tmp.resolve("train"), 9, 1));
        ImageDataset val = ImageDataset.fromFolder(wide(tmp.resolve("val"), 6, 2));
        // the budget keeps the first thorough candidate only: the test is about the policy, not the grid
        HeadSearch thorough = HeadSearch.thorough().withFolds(3).withMaxEpochs(20).withBudget(Duration.ofNanos(1));
        // small batches (not a searched setting) so that the linear head learns in a few epochs
        try (TrainedModel m = FineTuner.builder(new TinyBackbone(3)).search(thorough).settings(b -> b.batchSize(4).cutPoint("dense"))
                .build().fit(train, val)) {
            HeadSearch.InputPolicy p = m.search().inputPolicy();
            assertNotNull(p, m.search().toTable());
            assertEquals(List.of("squash", "center-crop"), p.scored().stream().map(HeadSearch.PolicyScore::policy).toList());
            assertEquals(p.chosen(), m.preprocessing().resize().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            HeadSearch.PolicyScore chosen = p.scored().stream().filter(s -> s.policy().equals(p.chosen())).findFirst()
                    .orElseThrow();
            assertEquals(chosen.epochs(), m.settings().epochs()); // the chosen policy's epoch count is trained
            Map<?, ?> recorded = (Map<?, ?>) ((Map<?, ?>) m.metrics(m.evaluate(val), "val").get("head_search"))
                    .get("input_policy");
            assertEquals(p.chosen(), recorded.get("chosen"));
            assertTrue(m.search().toTable().contains("input center-crop"), m.search().toTable());

            Path bundle = tmp.resolve("c.zip");
            m.save(bundle, Map.of());
            try (ImageClassifier c = ImageClassifier.load(bundle)) {
                assertEquals(p.chosen(), c.manifest().preprocessing().resize().replace('_', '-'));
                // the saved classifier featurizes as the model was trained: the same scores on every image
                assertEquals(m.evaluate(val).toTable(), c.evaluate(val).toTable());
            }
        }
    }

    @Test
    void quickSearchesAndExplicitPreprocessingDoNotComparePolicies() throws Exception {
        ImageDataset train = ImageDataset.fromFolder(wide(tmp.resolve("train"), 6, 1));
        ImageDataset val = ImageDataset.fromFolder(wide(tmp.resolve("val"), 2, 2));
        HeadSearch quick = HeadSearch.quick().withFolds(2).withMaxEpochs(2).withBudget(Duration.ofNanos(1));
        try (TrainedModel m = FineTuner.builder(new TinyBackbone(3)).search(quick).build().fit(train, val)) {
            assertTrue(m.search().ran());
            assertEquals(null, m.search().inputPolicy());
        }
    }
}
