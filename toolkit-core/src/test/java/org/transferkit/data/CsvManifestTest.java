package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.DatasetException;
import org.transferkit.TestImages;

class CsvManifestTest {
    @TempDir
    Path tmp;

    private void img(String rel, String cls) throws Exception {
        Path p = tmp.resolve(rel);
        Files.createDirectories(p.getParent());
        ImageIO.write(TestImages.image(cls, 16, new Random(rel.hashCode())), "png", p.toFile());
    }

    @Test
    void readsHeaderQuotesRelativePathsAndSplits() throws Exception {
        img("a/one.png", "red");
        img("a/two, with comma.png", "blue");
        img("b/thé three.png", "red");
        img("b/four.png", "blue");
        Path csv = tmp.resolve("list.csv");
        Files.writeString(csv, "path,label,split\n"
                + "a/one.png,red,train\n"
                + "\"a/two, with comma.png\",blue,train\n"
                + "# a comment\n"
                + "b/thé three.png, red ,val\n"
                + "b/four.png,blue,TEST\n"
                + "b/missing.png,blue,test\n");
        CsvManifest m = CsvManifest.read(csv);
        assertTrue(m.hasSplits());
        assertEquals(List.of("blue", "red"), m.labels());
        DatasetSplit s = DatasetSplit.fromManifest(m);
        assertEquals(2, s.train().size());
        assertEquals(1, s.val().size());
        assertEquals(1, s.test().size());
        assertEquals(1, s.test().skipped().size());
        assertTrue(s.test().skipped().get(0).reason().contains("file not found (list.csv line 7)"));
        assertEquals(tmp.resolve("a/two, with comma.png"), s.train().images().get(1).path());
        ImageDataset all = ImageDataset.from(csv, null);
        assertEquals(4, all.size());
    }

    @Test
    void badRowsNameTheLineAndWhatIsAllowed() throws Exception {
        Path csv = tmp.resolve("bad.csv");
        Files.writeString(csv, "x.png,red\nonly-a-path\n");
        DatasetException e = assertThrows(DatasetException.class, () -> CsvManifest.read(csv));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("path,label[,split]"), e.getMessage());
        Files.writeString(csv, "x.png,red,holdout\n");
        e = assertThrows(DatasetException.class, () -> CsvManifest.read(csv));
        assertTrue(e.getMessage().contains("'holdout'") && e.getMessage().contains("[train, val, test]"), e.getMessage());
        Files.writeString(csv, "x.png,red\n");
        CsvManifest noSplit = CsvManifest.read(csv);
        assertNull(noSplit.rows().get(0).split());
        e = assertThrows(DatasetException.class, () -> DatasetSplit.fromManifest(noSplit));
        assertTrue(e.getMessage().contains("split column"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> noSplit.dataset(null, List.of("cat", "dog")));
        assertTrue(e.getMessage().contains("'red'") && e.getMessage().contains("[cat, dog]"), e.getMessage());
    }
}
