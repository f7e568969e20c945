package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.zoo.DemoShapes;

/**
 * Issue 18, problem 4 from the command line: {@code train}, {@code evaluate} and {@code predict} list every file they
 * do not use, with the reason, on the console and in their metrics.json.
 */
class SkippedFilesCliTest {
    /** Salted file, relative to the dataset folder, to words of its reason. */
    private static final Map<String, String> FOLDER_SKIPS = Map.of(
            "arrow/notes.txt", "not an image file",
            "arrow/.DS_Store", "not an image file",
            "star/scan.tif", "not an image file",
            "ring/loop", "symbolic link loop",
            "star/gone.jpg", "dangling symbolic link",
            "star/half.jpg", "partly decodable");
    /** The CSV's extra rows to words of their reasons. */
    private static final Map<String, String> CSV_SKIPS = Map.of(
            "missing.png", "file not found",
            "../outside.png", "outside the CSV's folder");

    @TempDir
    static Path tmp;
    static Path data;
    static Path csv;

    @BeforeAll
    static void saltedData() throws Exception {
        data = DemoShapes.writeDataset(tmp.resolve("shapes"), DemoShapes.Task.TARGET, 10, 5);
        Random rnd = new Random(4);
        Files.writeString(data.resolve("arrow/notes.txt"), "labels checked by hand");
        Files.write(data.resolve("arrow/.DS_Store"), new byte[] {0, 0, 0, 1});
        ImageIO.write(DemoShapes.draw("star", rnd), "tiff", data.resolve("star/scan.tif").toFile());
        Files.createSymbolicLink(data.resolve("ring/loop"), data.resolve("ring"));
        Files.createSymbolicLink(data.resolve("star/gone.jpg"), tmp.resolve("nowhere.jpg"));
        BufferedImage noise = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 64 * 64; i++) {
            noise.setRGB(i % 64, i / 64, rnd.nextInt(0x1000000)); // scan data dwarfs the header: half ends in the scan
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(noise, "jpg", jpeg);
        byte[] full = jpeg.toByteArray();
        Files.write(data.resolve("star/half.jpg"), Arrays.copyOf(full, full.length / 2));
        ImageIO.write(DemoShapes.draw("ring", rnd), "png", tmp.resolve("outside.png").toFile());
        List<String> rows = new ArrayList<>(List.of("path,label"));
        for (String cls : DemoShapes.Task.TARGET.classes()) {
            try (Stream<Path> s = Files.list(data.resolve(cls))) {
                s.filter(f -> !Files.isDirectory(f)).sorted().forEach(f -> rows.add(cls + "/" + f.getFileName() + "," + cls));
            }
        }
        rows.add("missing.png,ring");
        rows.add("../outside.png,ring");
        csv = Files.write(data.resolve("list.csv"), rows);
    }

    private static CliTest.Run train(Path source, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", source.toString(), "--epochs", "1",
                "--no-feature-cache", "--no-baseline", "--out", out.toString()));
        args.addAll(List.of(extra));
        return CliTest.cli(args.toArray(new String[0]));
    }

    /** @return path to reason of a metrics.json's {@code skipped} list, after checking {@code images_skipped} */
    private static Map<Path, String> skipped(Path metricsJson) throws Exception {
        JsonNode m = new ObjectMapper().readTree(metricsJson.toFile());
        Map<Path, String> out = new HashMap<>();
        m.get("skipped").forEach(s -> out.put(Path.of(s.get("path").asText()), s.get("reason").asText()));
        assertEquals(m.get("skipped").size(), m.get("images_skipped").asInt(), m.toString());
        assertEquals(out.size(), m.get("skipped").size(), "each file once: " + m.get("skipped"));
        return out;
    }

    /** Asserts that each expected file is in metrics.json and on the console, with its reason. */
    private static void assertListed(CliTest.Run run, Path metricsJson, Map<String, String> expected) throws Exception {
        Map<Path, String> listed = skipped(metricsJson);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Path p = data.resolve(e.getKey()).normalize();
            assertTrue(listed.containsKey(p), p + " missing from metrics.json's skipped list: " + listed);
            assertTrue(listed.get(p).contains(e.getValue()), p + ": " + listed.get(p));
            assertTrue(run.out().contains("  " + p + ": " + listed.get(p)), p + " not on the console: " + run.out());
        }
        assertTrue(run.out().contains("skipped " + listed.size() + " file(s):"), run.out());
    }

    @Test
    void trainListsEveryUnusedFileOfAFolder() throws Exception {
        Path out = tmp.resolve("folder/classifier.zip");
        CliTest.Run r = train(data, out);
        assertEquals(0, r.code(), r.err());
        assertListed(r, out.resolveSibling("metrics.json"), FOLDER_SKIPS);
        assertEquals(FOLDER_SKIPS.size(), skipped(out.resolveSibling("metrics.json")).size());
        assertTrue(r.out().contains("5 file(s) skipped while listing the data"), r.out());

        Path evalJson = tmp.resolve("folder/eval.json");
        CliTest.Run e = CliTest.cli("evaluate", "--model", out.toString(), "--data", data.toString(), "--metrics",
                evalJson.toString());
        assertEquals(0, e.code(), e.err());
        assertListed(e, evalJson, FOLDER_SKIPS);

        CliTest.Run p = CliTest.cli("predict", "--model", out.toString(), data.resolve("star/half.jpg").toString(),
                data.resolve("star/star_0000.png").toString());
        assertEquals(1, p.code(), "a file it could not use makes exit 1");
        assertTrue(p.out().contains("star_0000.png: "), p.out());
        assertTrue(p.err().contains("skipped 1 file(s):\n  " + data.resolve("star/half.jpg") + ": partly decodable"),
                p.err());
    }

    @Test
    void trainAndEvaluateListCsvRowsMissingOrOutsideTheFolderUnlessAllowed() throws Exception {
        Map<String, String> expected = new HashMap<>(FOLDER_SKIPS);
        expected.remove("ring/loop"); // a folder: not a row of the CSV
        expected.putAll(CSV_SKIPS);
        Path out = tmp.resolve("csv/classifier.zip");
        CliTest.Run r = train(csv, out);
        assertEquals(0, r.code(), r.err());
        assertListed(r, out.resolveSibling("metrics.json"), expected);

        Path allowedOut = tmp.resolve("csv-allowed/classifier.zip");
        CliTest.Run allowed = train(csv, allowedOut, "--allow-outside-paths");
        assertEquals(0, allowed.code(), allowed.err());
        Path outside = tmp.resolve("outside.png");
        assertFalse(skipped(allowedOut.resolveSibling("metrics.json")).containsKey(outside), "allowed: used");

        Path evalJson = tmp.resolve("csv/eval.json");
        CliTest.Run e = CliTest.cli("evaluate", "--model", out.toString(), "--data", csv.toString(), "--metrics",
                evalJson.toString());
        assertEquals(0, e.code(), e.err());
        assertListed(e, evalJson, expected);
        Path evalAllowed = tmp.resolve("csv/eval-allowed.json");
        e = CliTest.cli("evaluate", "--model", out.toString(), "--data", csv.toString(), "--allow-outside-paths",
                "--metrics", evalAllowed.toString());
        assertEquals(0, e.code(), e.err());
        assertFalse(skipped(evalAllowed).containsKey(outside), "allowed: evaluated");
    }
}
