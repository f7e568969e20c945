package org.transferkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the real material in {@code ../shared} and skips the calling test, with a message, where it is absent. */
public final class SharedData {
    private SharedData() {
    }

    /** @return {@code ../shared} (system property {@code transferkit.shared}, set by the build) */
    public static Path root() {
        return Path.of(System.getProperty("transferkit.shared", "../shared")).toAbsolutePath().normalize();
    }

    /**
     * @param relative a path inside {@code ../shared}
     * @return it, if it exists; otherwise the test is skipped with a message naming it
     */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        assumeTrue(Files.exists(p), "skipped: " + p + " is absent (real data lives in ../shared beside the checkout)");
        return p;
    }
}
