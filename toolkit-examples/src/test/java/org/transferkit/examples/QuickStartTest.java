package org.transferkit.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.zoo.DemoShapes;

class QuickStartTest {
    @TempDir
    Path tmp;

    @Test
    void runsFromFolderToPrediction() throws Exception {
        Path data = DemoShapes.writeDataset(tmp.resolve("shapes"), DemoShapes.Task.TARGET, 30, 3);
        QuickStart.Result r = QuickStart.run(data.toString(), tmp.resolve("qs.zip").toString());
        assertTrue(Files.isRegularFile(r.classifier()));
        assertTrue(r.testAccuracy() > 0.5, "accuracy " + r.testAccuracy());
        assertTrue(DemoShapes.Task.TARGET.classes().contains(r.firstPrediction().label()));
    }
}
