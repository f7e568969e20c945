package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 with a real classifier: a linear head on SqueezeNet with the real ImageNet weights, trained on
 * ../shared's ants-vs-bees photos, served while good clients post real val photos and other clients post
 * decompression bombs, the first half of those photos and never-ending requests ({@code loadtest --bombs
 * --truncated --slow}). The measured run is in docs/benchmarks.md; this one is short.
 */
@Tag("real-data")
class MixedLoadRealPhotosTest {
    @TempDir
    Path tmp;

    @Test
    void realSqueezeNetClassifierKeepsItsAnswersUnderTheMixedLoad() throws Exception {
        SharedSqueezeNet shared = SharedSqueezeNet.require();
        Path data = shared.data();
        Path weights = shared.weights();
        Path model = tmp.resolve("c.zip");
        CliTest.Run train = CliTest.cli("train", "--train", data.resolve("train").toString(), "--val",
                data.resolve("val").toString(), "--backbone", "squeezenet", "--weights", weights.toString(),
                "--no-baseline", "--hidden", "0", "--optimizer", "sgd", "--lr", "0.001", "--epochs", "10",
                "--feature-cache", tmp.resolve("features").toString(), "--out", model.toString());
        assertEquals(0, train.code(), train.err());

        List<String> args = new ArrayList<>(List.of("loadtest", "--model", model.toString(), "--clients", "2",
                "--bombs", "1", "--truncated", "1", "--slow", "2", "--seconds", "15"));
        for (String cls : List.of("ants", "bees")) {
            try (Stream<Path> files = Files.list(data.resolve("val").resolve(cls))) {
                files.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(5).forEach(p -> args.add(p.toString()));
            }
        }
        CliTest.Run r = CliTest.cli(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("good requests: 0 errors, 0 changed predictions; every answer as expected"),
                r.out());
        assertTrue(r.out().matches("(?s).*\\nbomb +1 +\\d+ +413 x\\d+ .*"), "bombs all refused with 413\n" + r.out());
        assertTrue(r.out().contains("memory: heap after GC start"), r.out());
    }
}
