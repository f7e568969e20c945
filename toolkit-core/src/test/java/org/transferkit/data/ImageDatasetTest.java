package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.DatasetException;
import org.transferkit.TestImages;

import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
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
    void datasetsFromFilesAndImagesGivenInCode() throws Exception {
        java.util.Random rnd = new java.util.Random(3);
        Map<String, List<java.awt.image.BufferedImage>> byLabel = new java.util.LinkedHashMap<>();
        byLabel.put("red", List.of(TestImages.image("red", 12, rnd), TestImages.image("red", 12, rnd)));
        byLabel.put("blue", List.of(TestImages.image("blue", 12, rnd)));
        ImageDataset mem = ImageDataset.ofImages(byLabel, tmp.resolve("mem"));
        assertEquals(List.of("red", "blue"), mem.labels());
        assertArrayEquals(new int[] {2, 1}, mem.classCounts());
        try (ImagePipeline p = ImagePipeline.builder(mem).shape(new InputShape(3, 8, 8))
                .preprocessing(Preprocessing.minusOneToOne()).build()) {
            assertEquals(3, p.next().numExamples());
        }
        Map<String, List<Path>> files = new java.util.TreeMap<>(Map.of("b", List.of(tmp.resolve("x.txt")),
                "a", mem.images().stream().map(LabelledImage::path).toList()));
        ImageDataset fromFiles = ImageDataset.of(files);
        assertEquals(List.of("a", "b"), fromFiles.labels());
        assertEquals(3, fromFiles.size());
        assertEquals(1, fromFiles.skipped().size());
        assertThrows(IllegalArgumentException.class, () -> ImageDataset.of(Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ImageDataset.ofImages(Map.of("../up", List.of()), tmp));
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
