package org.transferkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.zoo.DemoShapes;

class DataVecExampleTest {
    @TempDir
    Path tmp;

    @Test
    void aDataVecPipelineFineTunesThroughTransferKit() throws Exception {
        Path data = DemoShapes.writeDataset(tmp.resolve("shapes"), DemoShapes.Task.TARGET, 20, 3);
        DataVecExample.Result r = DataVecExample.run(data.toString());
        assertEquals(DemoShapes.Task.TARGET.classes(), r.labels());
        assertEquals(56, r.trainImages(), "70 % of 80 balanced images");
        assertTrue(r.testAccuracy() > 0.4, "accuracy " + r.testAccuracy());
        assertEquals(0, r.skipped().size(), r.skipped().toString());
    }
}
