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
import org.transferkit.TestImages;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;

/** Every image source lists entries and skipped files and builds the dataset ImageDataset's own methods build. */
class ImageSourceTest {
    @TempDir
    Path tmp;

    /** A source a newcomer writes: one class, lines "path label" in a text file. */
    static final class PairsFileSource implements ImageSource {
        private final Path file;

        PairsFileSource(Path file) {
            this.file = file;
        }

        @Override
        public ImageListing list() throws DatasetException {
            ImageListing.Builder b = ImageListing.builder();
            try {
                for (String line : Files.readAllLines(file)) {
                    String[] f = line.split(" ");
                    Path p = file.resolveSibling(f[0]);
                    if (Files.isRegularFile(p)) {
                        b.add(p, f[1]);
                    } else {
                        b.skip(p, "file not found");
                    }
                }
            } catch (java.io.IOException e) {
                throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
            }
            return b.build();
        }
    }

    @Test
    void folderSourceListsSortedClassesAndSkipsNonImages() throws Exception {
        Path dir = TestImages.folder(tmp.resolve("f"), 3, 1, "red", "blue");
        Files.writeString(dir.resolve("red/notes.txt"), "x");
        ImageListing l = ImageSource.folder(dir).list();
        assertEquals(List.of("blue", "red"), l.names());
        assertEquals(6, l.images().size());
        assertEquals(List.of(dir.resolve("red/notes.txt")), l.skipped().stream().map(SkippedFile::path).toList());
        ImageDataset d = ImageSource.folder(dir).dataset(List.of("red", "green", "blue"));
        assertEquals(List.of("red", "green", "blue"), d.labels());
        assertArrayEquals(new int[] {3, 0, 3}, d.classCounts());
        assertEquals(ImageDataset.fromFolder(dir).images(), ImageSource.folder(dir).dataset().images());
        DatasetException e = assertThrows(DatasetException.class, () -> ImageSource.folder(dir).dataset(List.of("red")));
        assertTrue(e.getMessage().contains("blue") && e.getMessage().contains("[red]"), e.getMessage());
    }

    @Test
    void csvSourceReadsSingleAndMultiLabelManifests() throws Exception {
        Path dir = TestImages.folder(tmp.resolve("c"), 2, 2, "cat", "dog");
        Path csv = Files.writeString(dir.resolve("m.csv"), "path,label\ncat/cat_0.png,cat\ndog/dog_1.png,dog\n"
                + "gone.png,dog\n");
        ImageListing l = ImageSource.csv(csv, Task.SINGLE_LABEL).list();
        assertEquals(List.of("cat", "dog"), l.names());
        assertEquals(2, l.images().size());
        assertTrue(l.skipped().get(0).reason().contains("file not found (m.csv line 4)"), l.skipped().toString());
        ImageDataset d = ImageSource.at(csv, Task.SINGLE_LABEL).dataset(List.of("dog", "cat"));
        assertEquals(1, d.images().get(0).label(), "cat is index 1 of the training labels");

        Path multi = TaskImages.multiLabel(tmp.resolve("m"), 10, 3);
        ImageListing ml = ImageSource.csv(multi, Task.MULTI_LABEL).list();
        assertEquals(Task.MULTI_LABEL, ml.task());
        assertEquals(List.of("blue", "red"), ml.names());
        ImageDataset flipped = ml.toDataset(List.of("red", "blue"));
        for (int i = 0; i < ml.images().size(); i++) {
            float[] a = ml.images().get(i).target();
            float[] b = flipped.images().get(i).target();
            assertEquals(a[0], b[1]);
            assertEquals(a[1], b[0]);
        }
        assertThrows(DatasetException.class, () -> ImageSource.at(tmp, Task.MULTI_LABEL));
    }

    @Test
    void inMemorySourceKeepsTheOrderClassesAreNamedIn() throws Exception {
        Path a = tmp.resolve("a.png");
        Path b = tmp.resolve("b.jpg");
        ImageListing l = ImageSource.builder().add(a, "zebra").add(b, "ant").add(tmp.resolve("c.doc"), "ant")
                .label("bee").build();
        assertEquals(List.of("zebra", "ant", "bee"), l.names());
        assertEquals(List.of(new LabelledImage(a, 0), new LabelledImage(b, 1)), l.images());
        assertEquals(1, l.skipped().size());
        assertEquals(l.images(), l.dataset().images());
        ImageDataset given = ImageSource.of(List.of("x", "y"), List.of(new LabelledImage(a, 1))).dataset(List.of("y", "x"));
        assertEquals(0, given.images().get(0).label());
        assertThrows(IllegalArgumentException.class, () -> ImageSource.of(List.of("x"), List.of(new LabelledImage(a, 3))));
        assertThrows(IllegalArgumentException.class, () -> ImageSource.builder().build());
        assertThrows(IllegalArgumentException.class, () -> ImageSource.builder().add(a, " "));
        DatasetException e = assertThrows(DatasetException.class, () -> l.toDataset(List.of("zebra", "ant")));
        assertTrue(e.getMessage().contains("'bee'") && e.getMessage().contains("[zebra, ant]"), e.getMessage());
    }

    @Test
    void aSourceWrittenInOneClassBuildsADatasetWithItsLabels() throws Exception {
        Path dir = TestImages.folder(tmp.resolve("p"), 2, 4, "red", "blue");
        Path pairs = Files.writeString(dir.resolve("pairs.txt"), "red/red_0.png warm\nblue/blue_1.png cold\n"
                + "red/red_1.png warm\nnope.png cold\n");
        ImageDataset d = new PairsFileSource(pairs).dataset();
        assertEquals(List.of("warm", "cold"), d.labels());
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {2, 1}, d.classCounts());
        assertEquals(dir.resolve("blue/blue_1.png"), d.images().get(1).path());
        assertEquals(1, d.images().get(1).label());
        assertEquals("file not found", d.skipped().get(0).reason());
        ImageDataset indexed = new PairsFileSource(pairs).dataset(List.of("cold", "warm"));
        assertArrayEquals(new int[] {1, 2}, indexed.classCounts());
    }
}
