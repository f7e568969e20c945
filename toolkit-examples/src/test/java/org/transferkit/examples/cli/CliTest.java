package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;

/** The command line as a user runs it: the demo train, then predict and evaluate, and usage errors. */
class CliTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Run train;

    record Run(int code, String out, String err) {
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TransferKitCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void trainTheDemo() {
        model = tmp.resolve("out/classifier.zip");
        train = cli("train", "--epochs", "6", "--demo-dir", tmp.resolve("demo").toString(), "--out", model.toString(),
                "--feature-cache", tmp.resolve("features").toString());
    }

    @Test
    void demoTrainPrintsProgressAccuracyBaselineAndSavesBothFiles() throws Exception {
        assertEquals(0, train.code(), train.err());
        String out = train.out();
        assertTrue(out.startsWith("backend CPU"), out);
        assertTrue(out.contains("epoch   6"), out);
        assertTrue(out.contains("test accuracy:"), out);
        assertTrue(out.contains("small CNN from scratch"), out);
        assertTrue(out.contains("feature cache") && out.contains("0 reused, 224 computed"), out);
        assertTrue(Files.isRegularFile(model));
        JsonNode m = new ObjectMapper().readTree(tmp.resolve("out/metrics.json").toFile());
        for (String key : List.of("accuracy", "per_class", "confusion_matrix", "images_used", "images_skipped",
                "baseline_from_scratch_accuracy")) {
            assertTrue(m.has(key), "metrics.json lacks " + key + ": " + m);
        }
        assertTrue(m.get("per_class").get("star").has("f1"));
        List<String> log = Files.readAllLines(tmp.resolve("out/training-log.jsonl"));
        assertEquals(6, log.size(), "one JSON line per epoch");
        assertEquals(6, new ObjectMapper().readTree(log.get(5)).get("epoch").asInt());
        assertEquals(96, m.get("images").asInt(), "30% of 4 x 80 demo images");
        // transfer must pay: the pretrained backbone beats the same epochs of a small CNN trained from scratch
        assertTrue(m.get("accuracy").asDouble() > m.get("baseline_from_scratch_accuracy").asDouble(), m.toString());
        assertTrue(m.get("accuracy").asDouble() >= 0.7, m.toString());
    }

    @Test
    void predictAndEvaluateUseTheSavedClassifier() throws Exception {
        Path img = tmp.resolve("demo/star/star_0001.png");
        Run p = cli("predict", "--model", model.toString(), "--top", "2", "--json", img.toString());
        assertEquals(0, p.code(), p.err());
        JsonNode preds = new ObjectMapper().readTree(p.out());
        assertEquals(2, preds.get(0).get("predictions").size());

        Path metrics = tmp.resolve("eval.json");
        Run e = cli("evaluate", "--model", model.toString(), "--data", tmp.resolve("demo").toString(), "--metrics",
                metrics.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("accuracy"), e.out());
        assertEquals(320, new ObjectMapper().readTree(metrics.toFile()).get("images").asInt());

        Path csv = tmp.resolve("demo/some.csv");
        Files.writeString(csv, "path,label\nstar/star_0001.png,star\nring/ring_0001.png,ring\nnope.png,ring\n");
        Path report = tmp.resolve("eval.html");
        Run c = cli("evaluate", "--model", model.toString(), "--data", csv.toString(), "--report", report.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("on 2 images") && c.out().contains("nope.png"), c.out());
        assertTrue(Files.readString(report).contains("data:image/png;base64,"));
    }

    @Test
    void aFreshJvmLoadsTheClassifierAndPredictsTheSame() throws Exception {
        Path img = tmp.resolve("demo/ring/ring_0002.png");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TransferKitCli.class.getName(), "predict", "--model",
                model.toString(), "--top", "4", "--json", img.toString()));
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), out);
        JsonNode child = new ObjectMapper().readTree(out).get(0).get("predictions");
        try (ImageClassifier c = ImageClassifier.load(model)) {
            List<ScoredLabel> here = ((Prediction.Classes) c.predict(img, 4)).ranked();
            for (int i = 0; i < 4; i++) {
                assertEquals(here.get(i).label(), child.get(i).get("label").asText());
                assertEquals(here.get(i).probability(), child.get(i).get("probability").asDouble(), 1e-6);
            }
        }
    }

    @Test
    void usageMistakesAreOneLineAndExitTwo() {
        for (String[] args : List.of(new String[] {"train", "--epochs", "many"}, new String[] {"train", "--bogus"},
                new String[] {"train", "--epochs", "0"}, new String[] {"train", "--backbone", "resnet9000"},
                new String[] {"train", "--device", "tpu"}, new String[] {"train", "--train", "x"},
                new String[] {"predict", "--model", "m.zip"},
                new String[] {"loadtest", "--model", "m.zip", "--slow", "1", "--timeout", "0", "x.jpg"},
                new String[] {"loadtest", "--model", "m.zip", "--bombs", "-1", "x.jpg"})) {
            Run r = cli(args);
            assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(r.err().contains("at org."), r.err());
        }
        Run r = cli("train", "--backbone", "resnet9000", "--epochs", "1");
        assertTrue(r.err().contains("valid: demo, demo-untrained"), r.err());
    }

    @Test
    void failuresOutsideTheUsersControlExitOne() throws Exception {
        Run r = cli("predict", "--model", tmp.resolve("missing.zip").toString(), "x.png");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("missing.zip") && r.err().contains("does not exist"), r.err());
        Path notImage = tmp.resolve("bad.jpg");
        Files.writeString(notImage, "nope");
        r = cli("predict", "--model", model.toString(), notImage.toString(), tmp.resolve("demo/ring/ring_0000.png").toString());
        assertEquals(1, r.code(), "one failed image makes exit 1");
        assertTrue(r.err().contains("bad.jpg"), r.err());
        assertTrue(r.out().contains("ring_0000.png:"), "the good image is still classified: " + r.out());
        r = cli("train", "--data", tmp.resolve("nowhere") + File.separator, "--epochs", "1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nowhere"), r.err());
    }

    @Test
    void dataOptionsRunEndToEnd() throws Exception {
        Path out = tmp.resolve("opts/c.zip");
        Run r = cli("train", "--data", tmp.resolve("demo").toString(), "--epochs", "2", "--augment", "1",
                "--class-weights", "--resize", "letterbox", "--hidden", "0", "--optimizer", "sgd", "--out", out.toString(),
                "--no-feature-cache", "--schedule", "cosine", "--warmup", "1", "--patience", "5", "--label-smoothing", "0.1",
                "--weight-decay", "0.001");
        assertEquals(0, r.code(), r.err());
        var m = org.transferkit.bundle.ClassifierBundle.readManifest(out);
        assertEquals("letterbox", m.preprocessing().resize());
        assertEquals(Boolean.TRUE, m.training().get("class_weights"));
        assertEquals(1, ((Number) m.training().get("augmented_copies")).intValue());
        assertEquals("cosine after 1 warm-up epochs", m.training().get("lr_schedule"));
        Run bad = cli("train", "--resize", "stretch", "--epochs", "1");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("squash, center-crop, letterbox"), bad.err());
    }

    @Test
    void helpAndModelsList() {
        Run h = cli("train", "--help");
        assertEquals(0, h.code());
        assertTrue(h.out().contains("--backbone") && h.out().contains("--device"), h.out());
        Run l = cli("models", "list");
        assertEquals(0, l.code());
        assertTrue(l.out().contains("demo") && l.out().contains("32"), l.out());
        Run i = cli("models", "info", "demo");
        assertTrue(i.out().contains("pooled") && i.out().contains("64x4x4"), i.out());
    }
}
