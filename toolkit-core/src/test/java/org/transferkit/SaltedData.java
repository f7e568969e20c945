package org.transferkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.transferkit.model.SkippedFile;

/**
 * A red/blue folder dataset salted with every kind of file a run cannot use, and a CSV manifest over it with a row
 * whose file is missing and a row that escapes the CSV's folder. Each salted file maps to words its skip reason must
 * contain.
 */
public final class SaltedData {
    /** Salted file (relative to the dataset folder) to words of its reason. */
    public static final Map<String, String> FOLDER_SKIPS = Map.of(
            "red/notes.txt", "not an image file",
            "red/.DS_Store", "not an image file",
            "blue/scan.tif", "not an image file",
            "red/loop", "symbolic link loop",
            "blue/gone.jpg", "dangling symbolic link",
            "blue/half.jpg", "partly decodable");
    /** The CSV's extra rows (relative to the CSV's folder) to words of their reasons. */
    public static final Map<String, String> CSV_SKIPS = Map.of(
            "missing.png", "file not found",
            "../outside.png", "outside the CSV's folder");
    /** The CSV manifest's name, in the dataset folder. */
    public static final String CSV = "list.csv";

    private SaltedData() {
    }

    /**
     * Writes {@code perClass} PNGs of each of red and blue into {@code dir/<class>/}, then the salted files: a text
     * file, a {@code .DS_Store}, a TIFF, a link to its own folder (a loop), a link to nothing, and the first half of
     * a valid JPEG.
     *
     * @return {@code dir}
     */
    public static Path folder(Path dir, int perClass) throws IOException {
        TestImages.folder(dir, perClass, 1, "red", "blue");
        Random rnd = new Random(2);
        Files.writeString(dir.resolve("red/notes.txt"), "labels checked by hand");
        Files.write(dir.resolve("red/.DS_Store"), new byte[] {0, 0, 0, 1, 'B', 'u', 'd', '1'});
        ImageIO.write(TestImages.image("blue", 24, rnd), "tiff", dir.resolve("blue/scan.tif").toFile());
        Files.createSymbolicLink(dir.resolve("red/loop"), dir.resolve("red"));
        Files.createSymbolicLink(dir.resolve("blue/gone.jpg"), dir.resolve("nowhere.jpg"));
        byte[] full = noisyJpeg(64, 5);
        Files.write(dir.resolve("blue/half.jpg"), Arrays.copyOf(full, full.length / 2));
        return dir;
    }

    /**
     * @return a JPEG of random pixels: its scan data dwarfs its header, so its first half ends inside the scan (a
     *     partly decodable file, not one cut inside the header)
     */
    public static byte[] noisyJpeg(int size, long seed) throws IOException {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, rnd.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", jpeg);
        return jpeg.toByteArray();
    }

    /**
     * Writes {@code dir/list.csv} ({@code path,label}): every file under {@code dir}'s class folders (the salted
     * ones too, but not the link loop, a folder), then a row whose file is missing and a row naming
     * {@code ../outside.png}, which is written as a valid image beside {@code dir}.
     *
     * @return the CSV
     */
    public static Path csv(Path dir) throws IOException {
        List<String> rows = new ArrayList<>(List.of("path,label"));
        for (String cls : List.of("red", "blue")) {
            try (Stream<Path> s = Files.list(dir.resolve(cls))) {
                s.filter(f -> !Files.isDirectory(f)).sorted().forEach(f -> rows.add(cls + "/" + f.getFileName() + "," + cls));
            }
        }
        ImageIO.write(TestImages.image("blue", 24, new Random(3)), "png", dir.resolveSibling("outside.png").toFile());
        rows.add("missing.png,red");
        rows.add("../outside.png,blue");
        return Files.write(dir.resolve(CSV), rows);
    }

    /**
     * Asserts that every expected file is in the list once, with a reason holding the expected words.
     *
     * @param skipped what a run reported
     * @param base the folder the expected names are relative to
     * @param expected name to words of the reason
     */
    public static void assertListed(List<SkippedFile> skipped, Path base, Map<String, String> expected) {
        Map<Path, List<String>> reasons = new TreeMap<>();
        skipped.forEach(s -> reasons.computeIfAbsent(s.path(), k -> new ArrayList<>()).add(s.reason()));
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Path p = base.resolve(e.getKey()).normalize();
            List<String> r = reasons.get(p);
            assertTrue(r != null, p + " must be listed as skipped; listed: " + skipped);
            assertEquals(1, r.size(), p + " must be listed once: " + r);
            assertTrue(r.get(0).contains(e.getValue()), p + ": the reason must say '" + e.getValue() + "': " + r);
        }
    }
}
