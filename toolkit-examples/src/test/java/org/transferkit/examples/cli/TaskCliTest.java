package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.zoo.DemoScenes;

/** Multi-label and regression models, summaries and explanations from the command line. */
class TaskCliTest {
    @TempDir
    static Path tmp;
    static Path scenes;

    @BeforeAll
    static void data() throws Exception {
        scenes = DemoScenes.write(tmp.resolve("scenes"), 100, 9);
    }

    private static CliTest.Run train(String task, Path csv, Path out, String... extra) {
        String[] base = {"train", "--task", task, "--data", csv.toString(), "--epochs", "4", "--no-feature-cache",
            "--out", out.toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return CliTest.cli(all);
    }

    @Test
    void multiLabelTrainsWithASummaryThenPredictsAndEvaluatesLabelSets() throws Exception {
        Path model = tmp.resolve("ml/model.zip");
        CliTest.Run t = train("multi-label", scenes.resolve(DemoScenes.LABELS_CSV), model, "--summary");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("model (head):") && t.out().contains("tk_output") && t.out().contains("frozen"), t.out());
        assertTrue(t.out().contains("using the split column") && t.out().contains("test micro f1:"), t.out());
        assertTrue(t.out().contains("threshold ") && t.out().contains("val F1"), t.out());
        JsonNode m = new ObjectMapper().readTree(tmp.resolve("ml/metrics.json").toFile());
        assertTrue(m.has("micro_f1") && m.has("per_label") && m.get("per_label").has("star"), m.toString());
        double threshold = m.get("threshold").asDouble();
        assertTrue(threshold > 0 && threshold < 1);

        Path img = scenes.resolve("scene_00004.png");
        CliTest.Run p = CliTest.cli("predict", "--model", model.toString(), "--json", img.toString());
        assertEquals(0, p.code(), p.err());
        JsonNode r = new ObjectMapper().readTree(p.out()).get(0);
        assertEquals("multi-label", r.get("task").asText(), r.toString());
        assertTrue(r.has("predictions") && r.get("threshold").asDouble() == threshold, r.toString());
        for (JsonNode label : r.get("predictions")) {
            assertTrue(label.get("probability").asDouble() >= threshold, r.toString());
        }
        CliTest.Run strict = CliTest.cli("predict", "--model", model.toString(), "--threshold", "0.999", img.toString());
        assertEquals(0, strict.code(), strict.err());
        assertEquals(1, strict.out().lines().count(), "one line per image: " + strict.out());
        assertTrue(strict.out().startsWith(img + ": "), strict.out());

        CliTest.Run e = CliTest.cli("evaluate", "--model", model.toString(), "--data",
                scenes.resolve(DemoScenes.LABELS_CSV).toString(), "--threshold", "0.5", "--report",
                tmp.resolve("ml-eval.html").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("threshold 0.50: micro F1") && e.out().contains("on 100 images"), e.out());
        assertTrue(Files.readString(tmp.resolve("ml-eval.html")).contains("micro"), "HTML report of a multi-label model");

        CliTest.Run i = CliTest.cli("models", "info", model.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("task          multi-label") && i.out().contains("total params"), i.out());
    }

    @Test
    void regressionTrainsWithMaeAndPredictsNumbers() throws Exception {
        Path model = tmp.resolve("reg/model.zip");
        CliTest.Run t = train("regression", scenes.resolve(DemoScenes.COUNTS_CSV), model, "--loss", "mae");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("test r2:") && t.out().contains("MAE") && t.out().contains("val R2"), t.out());
        JsonNode m = new ObjectMapper().readTree(tmp.resolve("reg/metrics.json").toFile());
        assertTrue(m.has("r2") && m.has("mae") && m.get("per_target").has("shapes"), m.toString());
        assertTrue(Files.exists(tmp.resolve("reg/report.html")), "the HTML report covers every task");
        CliTest.Run p = CliTest.cli("predict", "--model", model.toString(), "--json",
                scenes.resolve("scene_00004.png").toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(new ObjectMapper().readTree(p.out()).get(0).get("values").has("shapes"), p.out());
        CliTest.Run text = CliTest.cli("predict", "--model", model.toString(), scenes.resolve("scene_00004.png").toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().strip().matches(".*scene_00004\\.png: shapes -?[0-9.]+"), text.out());

        CliTest.Run bad = train("regression", scenes.resolve(DemoScenes.COUNTS_CSV), tmp.resolve("x.zip"), "--loss",
                "cross-entropy");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("mse, mae"), bad.err());
    }

    @Test
    void explainWritesGradCamAndMapsAndListsLayers() throws Exception {
        Path model = tmp.resolve("single/model.zip");
        org.transferkit.zoo.DemoShapes.writeDataset(tmp.resolve("shapes"), org.transferkit.zoo.DemoShapes.Task.TARGET,
                12, 1);
        CliTest.Run t = CliTest.cli("train", "--data", tmp.resolve("shapes").toString(), "--epochs", "2",
                "--no-feature-cache", "--no-baseline", "--out", model.toString());
        assertEquals(0, t.code(), t.err());
        CliTest.Run l = CliTest.cli("explain", "--model", model.toString(), "--list-layers");
        assertEquals(0, l.code(), l.err());
        assertTrue(l.out().contains("conv1") && l.out().contains("(Grad-CAM)"), l.out());
        Path img = tmp.resolve("shapes/star/star_0000.png");
        Path out = tmp.resolve("explain");
        CliTest.Run x = CliTest.cli("explain", "--model", model.toString(), "--layer", "conv1", "--class", "ring",
                "--out", out.toString(), img.toString());
        assertEquals(0, x.code(), x.err());
        assertTrue(Files.isRegularFile(out.resolve("star_0000-conv1-maps.png")), x.out());
        assertTrue(Files.isRegularFile(out.resolve("star_0000-gradcam-ring.png")), x.out());
        CliTest.Run bad = CliTest.cli("explain", "--model", model.toString(), "--layer", "nope", img.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("valid: conv1"), bad.err());
    }

    @Test
    void modelsInfoPrintsTheFromScratchCnnsLayers() {
        CliTest.Run i = CliTest.cli("models", "info", "scratch-cnn");
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("dense1") && i.out().contains("total params 646,208: trainable 646,208, frozen 0") && i.out().contains("64x12x12"),
                i.out());
    }
}
