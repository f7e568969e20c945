package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.SaltedData;
import org.transferkit.TestImages;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;

/** What the data path skips and why: partly decodable images, links, and CSV rows outside the CSV's folder. */
class SkipReasonsTest {
    private static final InputShape SHAPE = new InputShape(3, 16, 16);

    @TempDir
    Path tmp;

    private static byte[] jpeg(int size) throws Exception {
        return SaltedData.noisyJpeg(size, size);
    }

    private static void decode(byte[] bytes) throws IOException {
        ImageDecoder.decodeToChw(bytes, SHAPE, Preprocessing.minusOneToOne(), new float[SHAPE.size()], 0);
    }

    @Test
    void aJpegCutShortIsPartlyDecodableOnEveryDecodePath() throws Exception {
        byte[] full = jpeg(64);
        for (int keep : new int[] {full.length / 2, full.length - 2}) {
            byte[] cut = Arrays.copyOf(full, keep);
            IOException chw = assertThrows(IOException.class, () -> decode(cut), "OpenCV or ImageIO, it is refused");
            assertTrue(chw.getMessage().startsWith("partly decodable"), chw.getMessage());
            IOException read = assertThrows(IOException.class, () -> ImageDecoder.read(cut), "ImageIO (augmentation)");
            assertEquals(chw.getMessage(), read.getMessage());
        }
        decode(full);
        byte[] trailing = Arrays.copyOf(full, full.length + 40); // bytes after the end marker, as some cameras write
        decode(trailing);
        IOException header = assertThrows(IOException.class, () -> decode(Arrays.copyOf(full, 20)));
        assertFalse(header.getMessage().contains("partly"), "cut inside the header: nothing decodes: " + header);
    }

    @Test
    void anEndMarkerInsideAnEmbeddedThumbnailDoesNotHideTheCut() throws Exception {
        byte[] main = jpeg(64);
        byte[] thumb = jpeg(8); // a whole JPEG, end marker included, inside an APP1 segment as EXIF thumbnails are
        int len = 2 + thumb.length;
        byte[] withThumb = new byte[main.length + 4 + thumb.length];
        withThumb[0] = main[0];
        withThumb[1] = main[1];
        withThumb[2] = (byte) 0xFF;
        withThumb[3] = (byte) 0xE1;
        withThumb[4] = (byte) (len >> 8);
        withThumb[5] = (byte) len;
        System.arraycopy(thumb, 0, withThumb, 6, thumb.length);
        System.arraycopy(main, 2, withThumb, 6 + thumb.length, main.length - 2);
        decode(withThumb);
        byte[] cut = Arrays.copyOf(withThumb, withThumb.length - main.length / 2);
        IOException e = assertThrows(IOException.class, () -> decode(cut));
        assertTrue(e.getMessage().startsWith("partly decodable"), e.getMessage());
    }

    @Test
    void theFolderListingNamesEachKindOfUnusableFile() throws Exception {
        Path dir = SaltedData.folder(tmp.resolve("photos"), 2);
        ImageListing l = ImageSource.folder(dir).list();
        List<String> listed = l.skipped().stream().map(s -> dir.relativize(s.path()).toString()).sorted().toList();
        assertEquals(List.of("blue/gone.jpg", "blue/scan.tif", "red/.DS_Store", "red/loop", "red/notes.txt"), listed);
        String tif = reason(l.skipped(), dir.resolve("blue/scan.tif"));
        assertTrue(tif.contains("'tif'") && tif.contains("[bmp, gif, jpeg, jpg, png, wbmp]"), tif);
        String gone = reason(l.skipped(), dir.resolve("blue/gone.jpg"));
        assertTrue(gone.contains("dangling symbolic link") && gone.contains("nowhere.jpg"), gone);
        assertTrue(l.images().stream().anyMatch(i -> i.path().endsWith("half.jpg")), "named like an image: listed");
    }

    @Test
    void csvRowsOutsideTheCsvFolderAreSkippedUnlessAllowed() throws Exception {
        Path dir = TestImages.folder(tmp.resolve("data"), 2, 1, "red", "blue");
        ImageIO.write(TestImages.image("red", 16, new Random(1)), "png", tmp.resolve("up.png").toFile());
        Path inside = dir.resolve("red/red_0.png").toAbsolutePath();
        Path csv = Files.writeString(dir.resolve("m.csv"), "path,label\nred/red_1.png,red\nblue/blue_0.png,blue\n"
                + inside + ",red\n../up.png,red\n" + tmp.resolve("up.png").toAbsolutePath() + ",blue\n"
                + "red/../blue/blue_1.png,blue\n");
        ImageDataset strict = ImageSource.csv(csv, Task.SINGLE_LABEL).dataset();
        assertEquals(4, strict.size(), "relative, absolute inside, and '..' that stays inside are used");
        assertEquals(2, strict.skipped().size(), strict.skipped().toString());
        for (SkippedFile s : strict.skipped()) {
            assertEquals(tmp.resolve("up.png").toAbsolutePath(), s.path());
            assertTrue(s.reason().contains("outside the CSV's folder " + dir.toAbsolutePath())
                    && s.reason().contains("m.csv line") && s.reason().contains("--allow-outside-paths"), s.reason());
        }
        assertEquals(6, ImageSource.csv(csv, Task.SINGLE_LABEL, true).dataset().size());
        assertEquals(6, CsvManifest.read(csv, true).dataset(null, null).size());
        assertEquals(4, CsvManifest.read(csv).dataset(null, null).size());
        assertEquals(6, ImageSource.at(csv, Task.SINGLE_LABEL, true).dataset().size());

        Path multi = Files.writeString(dir.resolve("ml.csv"), "path,labels\nred/red_0.png,red\n../up.png,red;blue\n");
        assertEquals(1, ImageSource.csv(multi, Task.MULTI_LABEL).dataset().size());
        assertTrue(ImageSource.csv(multi, Task.MULTI_LABEL).dataset().skipped().get(0).reason().contains("outside"));
        assertEquals(2, TargetManifest.read(multi, Task.MULTI_LABEL, true).dataset(null, null).size());
        Path reg = Files.writeString(dir.resolve("r.csv"), "path,size\nred/red_0.png,1.5\n../up.png,2\n");
        assertEquals(1, ImageSource.csv(reg, Task.REGRESSION).dataset().size());
        assertEquals(2, ImageSource.csv(reg, Task.REGRESSION, true).dataset().size());
    }

    private static String reason(List<SkippedFile> skipped, Path p) {
        return skipped.stream().filter(s -> s.path().equals(p)).findFirst().orElseThrow().reason();
    }
}
