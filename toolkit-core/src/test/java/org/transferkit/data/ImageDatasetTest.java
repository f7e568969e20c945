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
import org.transferkit.TestImages;

class ImageDatasetTest {
    @TempDir
    Path tmp;

    @Test
    void foldersBecomeSortedLabelsAndNonImagesAreReported() throws Exception {
        TestImages.folder(tmp, 3, 1, "red", "blue");
        Files.writeString(tmp.resolve("red/notes.txt"), "not an image");
        Files.write(tmp.resolve("blue/.DS_Store"), new byte[] {0, 1, 2});
        ImageDataset ds = ImageDataset.fromFolder(tmp);
        assertEquals(List.of("blue", "red"), ds.labels());
        assertEquals(6, ds.size());
        assertArrayEquals(new int[] {3, 3}, ds.classCounts());
        assertEquals(2, ds.skipped().size());
        assertTrue(ds.skipped().stream().allMatch(s -> s.reason().startsWith("not an image file")));
    }

    @Test
    void missingFolderIsAClearError() {
        DatasetException e = assertThrows(DatasetException.class, () -> ImageDataset.fromFolder(tmp.resolve("nope")));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void folderWithoutClassFoldersIsAClearError() throws Exception {
        Files.writeString(tmp.resolve("a.jpg"), "x");
        DatasetException e = assertThrows(DatasetException.class, () -> ImageDataset.fromFolder(tmp));
        assertTrue(e.getMessage().contains("no class sub-folders"), e.getMessage());
    }

    @Test
    void validationFolderWithUnknownClassIsRefused() throws Exception {
        TestImages.folder(tmp, 1, 1, "red", "green");
        DatasetException e = assertThrows(DatasetException.class,
                () -> ImageDataset.fromFolder(tmp, List.of("blue", "red")));
        assertTrue(e.getMessage().contains("green") && e.getMessage().contains("[blue, red]"), e.getMessage());
    }
}
