package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.DatasetException;
import org.transferkit.task.Task;

/** Issue 18, problem 5: a CSV with a byte-order mark, and a split column that leaves a part empty. */
class CsvSplitColumnTest {
    @TempDir
    Path tmp;

    /** Writes 12 images and a CSV whose i-th row has split {@code splits.get(i % splits.size())}. */
    Path csv(String name, String header, List<String> splits, boolean bom) throws Exception {
        List<String> rows = new ArrayList<>(List.of(header));
        for (int i = 0; i < 12; i++) {
            Path img = tmp.resolve("img" + i + ".png");
            ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", img.toFile());
            rows.add(img.getFileName() + "," + (i % 2 == 0 ? "cat" : "dog") + "," + splits.get(i % splits.size()));
        }
        Path csv = tmp.resolve(name);
        Files.writeString(csv, (bom ? "\uFEFF" : "") + String.join("\n", rows) + "\n", StandardCharsets.UTF_8);
        return csv;
    }

    @Test
    void aByteOrderMarkIsNotReadAsAClass() throws Exception {
        Path csv = csv("bom.csv", "path,label,split", List.of("train", "train", "val", "test"), true);
        CsvManifest m = CsvManifest.read(csv);
        assertEquals(List.of("cat", "dog"), m.labels());
        assertEquals(12, m.rows().size());
        assertEquals(List.of("cat", "dog"), TargetManifest.read(csv, Task.MULTI_LABEL).split().train().labels());
    }

    @Test
    void aSplitColumnLeavingAPartEmptyIsRefusedWithTheCounts() throws Exception {
        Path allTrain = csv("all-train.csv", "path,label,split", List.of("train"), false);
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetSplit.fromManifest(CsvManifest.read(allTrain)));
        assertTrue(e.getMessage().contains("leaves 'val' without usable rows (12 train, 0 val, 0 test)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("remove the split column"), e.getMessage());
        Path noTest = csv("no-test.csv", "path,label,split", List.of("train", "val"), false);
        e = assertThrows(DatasetException.class, () -> TargetManifest.read(noTest, Task.MULTI_LABEL).split());
        assertTrue(e.getMessage().contains("leaves 'test' without usable rows (6 train, 6 val, 0 test)"),
                e.getMessage());
        DatasetSplit ok = DatasetSplit.fromManifest(CsvManifest.read(
                csv("ok.csv", "path,label,split", List.of("train", "train", "val", "test"), false)));
        assertEquals(6, ok.train().size());
    }
}
