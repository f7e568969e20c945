package org.transferkit.model;

import java.nio.file.Path;

/**
 * A file that was not used, and why (not an image, failed to decode, unreadable ...).
 *
 * @param path the file
 * @param reason a short human-readable reason
 */
public record SkippedFile(Path path, String reason) {
    @Override
    public String toString() {
        return path + ": " + reason;
    }
}
