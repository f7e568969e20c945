package org.transferkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.zoo.DemoScenes;
import org.transferkit.zoo.DemoShapes;

/** Each example main of #7, run on generated data. */
class TaskExamplesTest {
    @TempDir
    Path tmp;

    @Test
    void fromScratchCnnIsTheBaselineThatTransferBeats() throws Exception {
        Path data = DemoShapes.writeDataset(tmp.resolve("shapes"), DemoShapes.Task.TARGET, 40, 3);
        FromScratchExample.Result r = FromScratchExample.run(data.toString(), "8");
        assertTrue(r.summary().contains("conv3") && r.summary().contains("trainable"), r.summary());
        assertTrue(r.scratchAccuracy() > 0.25, "better than chance (4 classes): " + r.scratchAccuracy());
        assertTrue(r.transferAccuracy() > r.scratchAccuracy(), r.transferAccuracy() + " vs " + r.scratchAccuracy());
    }

    @Test
    void multiLabelFindsTheShapesInAScene() throws Exception {
        Path csv = DemoScenes.write(tmp.resolve("scenes"), 200, 5).resolve(DemoScenes.LABELS_CSV);
        MultiLabelExample.Result r = MultiLabelExample.run(csv.toString(), tmp.resolve("ml.zip").toString());
        assertTrue(r.microF1() >= 0.6, r.report());
        assertTrue(r.threshold() > 0 && r.threshold() < 1);
        assertTrue(DemoShapes.Task.TARGET.classes().containsAll(r.firstLabels()), r.firstLabels().toString());
        assertTrue(Files.isRegularFile(r.model()));
    }

    @Test
    void regressionCountsTheShapes() throws Exception {
        Path csv = DemoScenes.write(tmp.resolve("scenes"), 200, 6).resolve(DemoScenes.COUNTS_CSV);
        RegressionExample.Result r = RegressionExample.run(csv.toString(), tmp.resolve("reg.zip").toString(), "mae");
        assertTrue(r.r2() >= 0.5, r.report());
        assertTrue(r.mae() < 1.0, r.report()); // in shapes
        assertEquals(List.of("shapes"), List.copyOf(r.firstValues().keySet()));
        double v = r.firstValues().get("shapes");
        assertTrue(v > -1 && v < 5, "a count in the targets' units: " + v);
    }

    @Test
    void explainWritesAMapGridAndAGradCamOverlay() throws Exception {
        ExplainExample.Result r = ExplainExample.run(); // trains its own demo classifier
        assertTrue(r.layers().contains(r.gradCamLayer()), r.layers() + " " + r.gradCamLayer());
        assertTrue(DemoShapes.Task.TARGET.classes().contains(r.explained()));
        assertTrue(ImageIO.read(r.mapsPng().toFile()).getWidth() > 32);
        assertTrue(ImageIO.read(r.gradCamPng().toFile()).getWidth() >= 256);
        Files.walk(Path.of("explain-out")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
}
