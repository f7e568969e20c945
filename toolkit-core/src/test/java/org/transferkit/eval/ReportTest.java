package org.transferkit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TestImages;
import org.transferkit.model.SkippedFile;
import org.transferkit.model.EpochStats;

import org.transferkit.task.EvaluationReport;
import org.transferkit.task.ExamplePrediction;
class ReportTest {
    @TempDir
    Path tmp;

    private static ExamplePrediction ex(int truth, float... p) {
        return new ExamplePrediction(Path.of("img" + truth + "_" + p[0] + ".png"), truth, p);
    }

    @Test
    void topKRocAucAndWorstFromExamples() {
        List<ExamplePrediction> ex = List.of(
                ex(0, 0.7f, 0.2f, 0.1f), ex(0, 0.2f, 0.5f, 0.3f), ex(1, 0.1f, 0.8f, 0.1f),
                ex(1, 0.6f, 0.3f, 0.1f), ex(2, 0.1f, 0.1f, 0.8f), ex(2, 0.3f, 0.3f, 0.4f));
        EvaluationReport r = EvaluationReport.fromExamples(List.of("a", "b", "c"), ex, List.of());
        assertEquals(4 / 6.0, r.accuracy(), 1e-12);
        assertEquals(5 / 6.0, r.topKAccuracy(2), 1e-12, "img0_0.2 ranks its true class third");
        assertEquals(1.0, r.topKAccuracy(3), 1e-12);
        // class c: positives score 0.8, 0.4; negatives 0.1, 0.3, 0.1, 0.1 -> perfectly separated
        assertEquals(1.0, r.rocAuc(2), 1e-12);
        // class a: positives 0.7, 0.2; negatives 0.1, 0.6, 0.1, 0.3 -> pairs won: 0.7 beats 4, 0.2 beats 2 -> 6/8
        assertEquals(6 / 8.0, r.rocAuc(0), 1e-12);
        List<ExamplePrediction> worst = r.worstMisclassified(5);
        assertEquals(2, worst.size());
        assertEquals(0.6f, worst.get(0).probabilities()[0], "most confident mistake first");
        Map<String, Object> m = r.toMap();
        assertTrue(m.containsKey("top_k_accuracy") && m.containsKey("weighted_avg") && m.containsKey("macro_avg"));
    }

    @Test
    void htmlReportIsSelfContainedWithChartsAndGallery() throws Exception {
        Random rnd = new Random(1);
        Path a = tmp.resolve("wrong <one>.png");
        ImageIO.write(TestImages.image("red", 40, rnd), "png", a.toFile());
        List<ExamplePrediction> ex = List.of(new ExamplePrediction(a, 0, new float[] {0.1f, 0.9f}),
                new ExamplePrediction(tmp.resolve("gone.png"), 1, new float[] {0.2f, 0.8f}));
        EvaluationReport r = EvaluationReport.fromExamples(List.of("red", "blue"), ex,
                List.of(new SkippedFile(tmp.resolve("x.txt"), "not an image file")));
        List<EpochStats> hist = List.of(new EpochStats(1, 1.0, 0.5, 0.9, 0.5, 1, 1e-3, "accuracy"), new EpochStats(2, 0.5, 0.8, 0.6, 0.7, 1, 1e-3, "accuracy"));
        Path file = tmp.resolve("r/report.html");
        HtmlReport.write(file, "demo", r, hist);
        String html = Files.readString(file);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertEquals(3, html.split("data:image/png;base64,", -1).length - 1, "heat map, curves, one thumbnail");
        assertTrue(html.contains("wrong &lt;one&gt;.png"), "file names are escaped");
        assertTrue(html.contains("predicted: blue (0.900)"));
        assertTrue(html.contains("x.txt: not an image file"));
        assertTrue(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"),
                "opens offline: nothing external");
        BufferedImage heat = Charts.confusionHeatMap(r);
        assertTrue(heat.getWidth() > 50 && heat.getHeight() > 50);
    }
}
