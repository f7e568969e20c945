package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.transferkit.zoo.SqueezeNetBackbone;

/**
 * The real material the real-data CLI tests read from {@code ../shared} (or {@code -Dtransferkit.shared}): the
 * hymenoptera photos and SqueezeNet's Keras weights. Skips the calling test with a clear message where absent.
 *
 * @param data the hymenoptera folder (train/ and val/)
 * @param weights the SqueezeNet weights file
 */
record SharedSqueezeNet(Path data, Path weights) {
    /** @return the material, or the test is skipped (JUnit assumption) */
    static SharedSqueezeNet require() {
        Path shared = Path.of(System.getProperty("transferkit.shared", "../shared"));
        Path data = shared.resolve("datasets/hymenoptera");
        Path weights = shared.resolve("weights/keras/" + SqueezeNetBackbone.KERAS_FILE);
        assumeTrue(Files.isDirectory(data) && Files.isRegularFile(weights),
                "skipped: " + data + " or " + weights + " is absent (real data lives in ../shared)");
        return new SharedSqueezeNet(data, weights);
    }
}
