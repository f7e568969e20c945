package org.transferkit.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import org.transferkit.Checksums;

/**
 * Backbone features on disk, one file per image: {@code DIR/<settings key>/<image SHA-256>.f32}. The
 * settings key hashes everything that changes features (backbone id, weights checksum, cut point,
 * preprocessing, input shape, augmentation and its seed), so a second run or a second head reuses
 * them, and a changed image or setting recomputes exactly what changed. Files are written beside
 * their final name and moved into place, so a crash never leaves a half-written entry; an entry that
 * does not read back whole is ignored and recomputed. Thread-safe (entries are immutable files).
 */
public final class FeatureCache {
    private static final int MAGIC = 0x544B4643; // "TKFC"

    private final Path root;

    /** @param root the cache folder (created on first write) */
    public FeatureCache(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    /** @return the cache folder */
    public Path root() {
        return root;
    }

    /**
     * @param parts everything that changes the features
     * @return a stable key for them
     */
    public static String settingsKey(String... parts) {
        return Checksums.sha256(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    }

    /**
     * @param imageBytes an image file's bytes
     * @return its content hash
     */
    public static String contentKey(byte[] imageBytes) {
        return Checksums.sha256(imageBytes);
    }

    /**
     * @param settings a settings key
     * @param content a content key
     * @param length expected number of floats
     * @return the cached features, or null when absent or unreadable (then recompute)
     */
    public float[] get(String settings, String content, int length) {
        Path f = root.resolve(settings).resolve(content + ".f32");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try (InputStream in = Files.newInputStream(f); DataInputStream d = new DataInputStream(in)) {
            if (d.readInt() != MAGIC || d.readInt() != length) {
                return null;
            }
            byte[] raw = d.readNBytes(length * 4);
            if (raw.length != length * 4) {
                return null;
            }
            float[] out = new float[length];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Stores features. A failure to write is not fatal: the run goes on and the entry is recomputed
     * next time.
     *
     * @param settings a settings key
     * @param content a content key
     * @param features the features (not modified)
     * @return true if written
     */
    public boolean put(String settings, String content, float[] features) {
        try {
            Path dir = Files.createDirectories(root.resolve(settings));
            Path f = dir.resolve(content + ".f32");
            Path tmp = dir.resolve(content + "." + Thread.currentThread().getId() + "." + System.nanoTime() + ".part");
            ByteBuffer buf = ByteBuffer.allocate(features.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(features);
            try (OutputStream os = Files.newOutputStream(tmp); DataOutputStream d = new DataOutputStream(os)) {
                d.writeInt(MAGIC);
                d.writeInt(features.length);
                d.write(buf.array());
            }
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
