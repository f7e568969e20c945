package org.transferkit.zoo;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates real material in ../shared and skips the calling test, with a message, where it is absent. */
final class SharedFiles {
    private SharedFiles() {
    }

    static Path require(String relative) {
        Path p = Path.of(System.getProperty("transferkit.shared", "../shared")).toAbsolutePath().normalize()
                .resolve(relative);
        assumeTrue(Files.exists(p), "skipped: " + p + " is absent (real data lives in ../shared beside the checkout)");
        return p;
    }
}
