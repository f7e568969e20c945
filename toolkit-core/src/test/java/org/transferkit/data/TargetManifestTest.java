package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.DatasetException;
import org.transferkit.TaskImages;

import org.transferkit.task.Task;
class TargetManifestTest {
    @TempDir
    Path tmp;

    @Test
    void multiLabelRowsBecomeZeroOneTargetsWithTheUnionOfLabels() throws Exception {
        Path csv = TaskImages.multiLabel(tmp, 20, 1);
        TargetManifest m = TargetManifest.read(csv, Task.MULTI_LABEL);
        assertEquals(List.of("blue", "red"), m.names());
        assertTrue(m.hasSplits());
        DatasetSplit s = m.split();
        assertEquals(12, s.train().size());
        assertEquals(Task.MULTI_LABEL, s.val().task());
        for (LabelledImage img : s.train().images()) {
            float[] t = img.target();
            assertEquals(2, t.length);
            assertTrue((t[0] == 0 || t[0] == 1) && (t[1] == 0 || t[1] == 1));
        }
        int[] counts = s.train().classCounts(); // images having each label
        assertTrue(counts[0] > 0 && counts[1] > 0 && counts[0] + counts[1] <= 24);
    }

    @Test
    void multiLabelAcceptsPipesEmptySetsAndRefusesUnknownLabelsByLine() throws Exception {
        Files.createFile(tmp.resolve("a.png"));
        Files.createFile(tmp.resolve("b.png"));
        Path csv = Files.writeString(tmp.resolve("m.csv"), "a.png,cat|dog\nb.png,\n");
        TargetManifest m = TargetManifest.read(csv, Task.MULTI_LABEL);
        ImageDataset d = m.dataset(null, null);
        assertArrayEquals(new float[] {1, 1}, d.images().get(0).target());
        assertArrayEquals(new float[] {0, 0}, d.images().get(1).target());
        DatasetException e = assertThrows(DatasetException.class, () -> m.dataset(null, List.of("cat")));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("'dog'"), e.getMessage());
    }

    @Test
    void regressionNeedsAHeaderAndNumbersAndSaysWhereNot() throws Exception {
        Path csv = TaskImages.regression(tmp, 10, 2);
        TargetManifest m = TargetManifest.read(csv, Task.REGRESSION);
        assertEquals(List.of("brightness", "inverse"), m.names());
        float[] t = m.split().train().images().get(0).target();
        assertEquals(100, t[0] + t[1], 1e-3);

        Path noHeader = Files.writeString(tmp.resolve("n.csv"), "a.png,1.5\n");
        DatasetException e = assertThrows(DatasetException.class, () -> TargetManifest.read(noHeader, Task.REGRESSION));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("header"), e.getMessage());
        Path bad = Files.writeString(tmp.resolve("b.csv"), "path,age\na.png,1.5\nb.png,old\n");
        e = assertThrows(DatasetException.class, () -> TargetManifest.read(bad, Task.REGRESSION));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("'age'")
                && e.getMessage().contains("'old'"), e.getMessage());
        assertThrows(DatasetException.class, () -> ImageDataset.from(tmp, null, Task.REGRESSION)); // folders: no
    }
}
