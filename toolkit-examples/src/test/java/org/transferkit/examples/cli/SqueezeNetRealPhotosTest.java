package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real transfer learning as a user runs it: SqueezeNet with the real ImageNet weights, frozen, a linear
 * head on cached features, trained on ../shared's ants-vs-bees photos and measured on their val split.
 * Guards the whole path (Keras weights, the zoo-graph activation fix, decoding, caching, training), then the
 * two-phase path (one end-to-end epoch with the top block unfrozen) on the same data.
 */
@Tag("real-data")
class SqueezeNetRealPhotosTest {
    @TempDir
    Path tmp;

    @Test
    void frozenSqueezeNetReachesAtLeast092OnVal() throws Exception {
        SharedSqueezeNet shared = SharedSqueezeNet.require();
        Path data = shared.data();
        Path weights = shared.weights();
        Path out = tmp.resolve("c.zip");
        CliTest.Run r = CliTest.cli("train", "--train", data.resolve("train").toString(), "--val",
                data.resolve("val").toString(), "--backbone", "squeezenet", "--weights", weights.toString(),
                "--hidden", "0", "--optimizer", "sgd", "--lr", "0.001", "--epochs", "100",
                "--feature-cache", tmp.resolve("features").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        double acc = new ObjectMapper().readTree(tmp.resolve("metrics.json").toFile()).get("accuracy").asDouble();
        assertTrue(acc >= 0.92, "val accuracy " + acc + "\n" + r.out());

        // two-phase: the same command plus one end-to-end epoch with fire9 unfrozen (features come from the cache)
        Path out2 = tmp.resolve("two-phase").resolve("c.zip");
        CliTest.Run r2 = CliTest.cli("train", "--train", data.resolve("train").toString(), "--val",
                data.resolve("val").toString(), "--backbone", "squeezenet", "--weights", weights.toString(),
                "--hidden", "0", "--optimizer", "sgd", "--lr", "0.001", "--epochs", "100", "--unfreeze", "1",
                "--unfreeze-epochs", "1", "--feature-cache", tmp.resolve("features").toString(), "--out", out2.toString());
        assertEquals(0, r2.code(), r2.err());
        assertTrue(r2.out().contains("epoch 101"), "a phase-2 epoch ran:\n" + r2.out());
        var m = new ObjectMapper().readTree(out2.resolveSibling("metrics.json").toFile());
        double acc2 = m.get("accuracy").asDouble();
        assertTrue(acc2 >= 0.93, "two-phase val accuracy " + acc2 + "\n" + r2.out());
        assertTrue(acc2 >= acc, "phase 2 never loses the phase-1 model: " + acc2 + " < " + acc);
    }

    /**
     * Default flags (the quick head search is the default): the search cross-validates on the training images, the
     * validation images choose nothing.
     * The floor is what was measured under load (docs/benchmarks.md, "Head search on hymenoptera"): above the old
     * defaults' 0.8758, which also picked their epoch on these validation images.
     */
    @Test
    void defaultFlagsSearchTheHeadOnTrainingImagesAndBeatTheOldDefaults() throws Exception {
        SharedSqueezeNet shared = SharedSqueezeNet.require();
        Path data = shared.data();
        Path weights = shared.weights();
        Path out = tmp.resolve("search").resolve("c.zip");
        CliTest.Run r = CliTest.cli("train", "--train", data.resolve("train").toString(), "--val",
                data.resolve("val").toString(), "--backbone", "squeezenet", "--weights", weights.toString(),
                "--feature-cache", tmp.resolve("features").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        var m = new ObjectMapper().readTree(out.resolveSibling("metrics.json").toFile());
        assertTrue(m.get("head_search").get("ran").asBoolean(), r.out());
        assertTrue(m.get("epoch_chosen_on").asText().startsWith("cross-validation on the training images"));
        double acc = m.get("accuracy").asDouble();
        assertTrue(acc >= 0.88, "val accuracy " + acc + "\n" + r.out());
    }
}
