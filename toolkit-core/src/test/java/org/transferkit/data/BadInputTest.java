package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.train.FineTuner;
import org.transferkit.DatasetException;
import org.transferkit.SaltedData;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
/** Every kind of bad or unusual input the data path must survive, each made by the test itself. */
class BadInputTest {
    @TempDir
    Path tmp;

    static byte[] encode(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, bos), "no writer for " + format);
        return bos.toByteArray();
    }

    /** A JPEG with an EXIF APP1 segment saying "rotate 90° clockwise to display" (orientation 6). */
    static byte[] exifRotatedJpeg(BufferedImage img) throws Exception {
        byte[] jpeg = encode(img, "jpg");
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0};
        byte[] app1 = new byte[4 + 6 + tiff.length];
        int len = 2 + 6 + tiff.length;
        app1[0] = (byte) 0xFF;
        app1[1] = (byte) 0xE1;
        app1[2] = (byte) (len >> 8);
        app1[3] = (byte) len;
        System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, app1, 4, 6);
        System.arraycopy(tiff, 0, app1, 10, tiff.length);
        byte[] out = new byte[jpeg.length + app1.length];
        out[0] = jpeg[0];
        out[1] = jpeg[1];
        System.arraycopy(app1, 0, out, 2, app1.length);
        System.arraycopy(jpeg, 2, out, 2 + app1.length, jpeg.length - 2);
        return out;
    }

    /** A 4-channel (CMYK/Adobe) JPEG written from a raw raster. */
    static byte[] cmykJpeg() throws Exception {
        WritableRaster r = Raster.createBandedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 24, 24, 4, null);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 24; x++) {
                r.setPixel(x, y, new int[] {x * 10, y * 10, 128, 30});
            }
        }
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (var out = ImageIO.createImageOutputStream(bos)) {
            w.setOutput(out);
            w.write(null, new IIOImage(r, null, null), w.getDefaultWriteParam());
        } finally {
            w.dispose();
        }
        return bos.toByteArray();
    }

    @Test
    void everyOddFileIsUsedOrSkippedWithAReasonAndNothingCrashes() throws Exception {
        Random rnd = new Random(1);
        Path a = Files.createDirectories(tmp.resolve("ants"));
        Path b = Files.createDirectories(tmp.resolve("bees"));
        Files.write(a.resolve("plain.png"), encode(TestImages.image("red", 30, rnd), "png"));
        Files.write(a.resolve("ant photo é ü.png"), encode(TestImages.image("red", 30, rnd), "png"));
        BufferedImage argb = new BufferedImage(20, 20, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = argb.createGraphics();
        g.setColor(new Color(255, 0, 0, 128));
        g.fillRect(0, 0, 10, 20);
        g.dispose();
        Files.write(a.resolve("alpha.png"), encode(argb, "png"));
        Files.write(a.resolve("sixteen-bit.png"), encode(new BufferedImage(20, 20, BufferedImage.TYPE_USHORT_GRAY), "png"));
        Files.write(a.resolve("anim.gif"), encode(TestImages.image("red", 20, rnd), "gif"));
        Files.write(a.resolve("bitmap.bmp"), encode(TestImages.image("red", 20, rnd), "bmp"));
        Files.write(b.resolve("gray.jpg"), encode(new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY), "jpg"));
        Files.write(b.resolve("cmyk.jpg"), cmykJpeg());
        Files.write(b.resolve("rotated.jpg"), exifRotatedJpeg(TestImages.image("blue", 30, rnd)));
        Files.write(b.resolve("huge.png"), encode(new BufferedImage(10000, 10000, BufferedImage.TYPE_BYTE_BINARY), "png"));
        byte[] jpeg = SaltedData.noisyJpeg(64, 1);
        Files.write(b.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 3));
        Files.write(b.resolve("corrupt.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2, 3, 4});
        Files.write(b.resolve("zero.png"), new byte[0]);
        Files.writeString(b.resolve("notes.txt"), "hello");
        Files.write(b.resolve(".DS_Store"), new byte[] {0, 0, 0, 1});
        Files.createSymbolicLink(b.resolve("gone.jpg"), tmp.resolve("does-not-exist.jpg"));
        Files.createSymbolicLink(b.resolve("loop"), b);

        ImageDataset ds = ImageDataset.fromFolder(tmp);
        Map<String, String> scanSkips = ds.skipped().stream()
                .collect(Collectors.toMap(s -> s.path().getFileName().toString(), SkippedFile::reason));
        assertTrue(scanSkips.get("notes.txt").startsWith("not an image file"), scanSkips.toString());
        assertTrue(scanSkips.get(".DS_Store").startsWith("not an image file"), scanSkips.toString());
        assertTrue(scanSkips.get("gone.jpg").startsWith("dangling symbolic link"), scanSkips.toString());
        assertTrue(scanSkips.get("loop").contains("symbolic link loop"), scanSkips.toString());

        Set<String> used = new HashSet<>();
        List<SkippedFile> skipped;
        try (ImagePipeline p = ImagePipeline.builder(ds).shape(new InputShape(3, 16, 16))
                .preprocessing(Preprocessing.minusOneToOne()).batchSize(3).threads(2).build()) {
            while (p.hasNext()) {
                DataSet batch = p.next();
                for (float v : batch.getFeatures().data().asFloat()) {
                    assertTrue(Float.isFinite(v), "no NaN or infinite input");
                }
                batch.getExampleMetaData().forEach(m -> used.add(Path.of(m.toString()).getFileName().toString()));
            }
            skipped = p.skipped();
        }
        for (String ok : List.of("plain.png", "ant photo é ü.png", "alpha.png", "sixteen-bit.png", "anim.gif",
                "bitmap.bmp", "gray.jpg", "cmyk.jpg", "rotated.jpg")) {
            assertTrue(used.contains(ok), ok + " must decode; used " + used + ", skipped " + skipped);
        }
        Map<String, String> decodeSkips = skipped.stream()
                .collect(Collectors.toMap(s -> s.path().getFileName().toString(), SkippedFile::reason));
        assertTrue(decodeSkips.get("corrupt.jpg").contains("corrupt"), decodeSkips.toString());
        assertTrue(decodeSkips.get("zero.png").contains("empty file"), decodeSkips.toString());
        // 100 megapixels passes the default 40-megapixel cap: skipped from its header, reported with the reason
        assertTrue(decodeSkips.get("huge.png").contains("10000x10000 = 100000000 pixels, more than the cap of 40000000"),
                decodeSkips.toString());
        // a truncated JPEG would decode partially, its missing rows grey: it is not used, and says why
        assertTrue(decodeSkips.get("truncated.jpg").startsWith("partly decodable"), decodeSkips.toString());
        assertEquals(ds.size(), used.size() + skipped.size() - ds.skipped().size(),
                "every listed image is either used or skipped");
    }

    @Test
    void exifOrientationAndHugeImagesAreHandledOnDecode() throws Exception {
        BufferedImage wide = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = wide.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 10, 20); // white band on the left
        g.dispose();
        BufferedImage upright = ImageDecoder.read(exifRotatedJpeg(wide));
        assertEquals(20, upright.getWidth(), "orientation 6 swaps width and height");
        assertEquals(40, upright.getHeight());
        assertTrue((upright.getRGB(10, 2) & 0xff) > 200, "the left band is now on top");
        assertTrue((upright.getRGB(10, 37) & 0xff) < 60);
        BufferedImage huge = ImageDecoder.read(encode(new BufferedImage(10000, 10000, BufferedImage.TYPE_BYTE_BINARY), "png"),
                100_000_000L);
        assertTrue(huge.getWidth() <= ImageDecoder.MAX_DECODE_SIDE, "subsampled while decoding: " + huge.getWidth());
    }

    @Test
    void exifOrientationsMapPixelsLikeTheStandard() {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xFFFFFF); // mark the stored top-left pixel
        // where the stored top-left pixel must appear when displayed, per EXIF orientation
        int[][] expected = {{0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 2}, {0, 2}};
        for (int o = 1; o <= 8; o++) {
            BufferedImage d = ExifOrientation.apply(img, o);
            int[] xy = expected[o - 1];
            assertEquals(0xFFFFFF, d.getRGB(xy[0], xy[1]) & 0xFFFFFF, "orientation " + o);
        }
    }

    @Test
    void anEmptyClassFolderIsAClearErrorBeforeTraining() throws Exception {
        TestImages.folder(tmp.resolve("train"), 4, 1, "red", "blue");
        Files.createDirectories(tmp.resolve("train/green"));
        ImageDataset train = ImageDataset.fromFolder(tmp.resolve("train"));
        DatasetSplit split = new DatasetSplit(train, train.withImages(List.of()), train.withImages(List.of()));
        DatasetException e = assertThrows(DatasetException.class, () -> FineTuner.builder(new TinyBackbone(1))
                .epochs(1).build().fit(split));
        assertTrue(e.getMessage().contains("[green]") && e.getMessage().contains("no usable training images"),
                e.getMessage());
        IllegalArgumentException split2 = assertThrows(IllegalArgumentException.class,
                () -> DatasetSplit.stratified(train, 0.2, 0.2, 1));
        assertTrue(split2.getMessage().contains("'green' has 0 image(s)"), split2.getMessage());
    }
}
