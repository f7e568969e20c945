package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

/** Issue 18, problem 2: the decoder refuses decompression bombs from their header, under a cap it is given. */
class PixelCapTest {
    static byte[] pngHeader(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(33).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}).putInt(13)
                .put(ihdr.array()).putInt((int) crc.getValue()).array();
    }

    static byte[] jpegHeader(int w, int h) {
        return ByteBuffer.allocate(29).put(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0})
                .putShort((short) 17).put((byte) 8).putShort((short) h).putShort((short) w).put((byte) 3)
                .put(new byte[] {1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}).put(new byte[8]).array();
    }

    static byte[] png(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }

    @Test
    void bombsAreRefusedFromTheHeaderBeforeDecoding() {
        InputShape shape = new InputShape(3, 8, 8);
        float[] dest = new float[shape.size()];
        for (byte[] bomb : new byte[][] {pngHeader(46_000, 46_000), jpegHeader(65_500, 65_500)}) {
            long t0 = System.nanoTime();
            ImageTooLargeException e = assertThrows(ImageTooLargeException.class,
                    () -> ImageDecoder.decodeToChw(bomb, shape, Preprocessing.minusOneToOne(), dest, 0));
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 1_000, "refused fast");
            assertEquals(ImageDecoder.DEFAULT_MAX_PIXELS, e.maxPixels());
            assertTrue(e.getMessage().contains("more than the cap of 40000000 pixels"), e.getMessage());
            assertThrows(ImageTooLargeException.class, () -> ImageDecoder.checkPixels(bomb, 40_000_000));
        }
        assertThrows(ImageTooLargeException.class, () -> ImageDecoder.read(pngHeader(46_000, 46_000)));
    }

    @Test
    void theCapIsASettingOfEachCall() throws Exception {
        byte[] img = png(100, 100);
        InputShape shape = new InputShape(3, 8, 8);
        float[] dest = new float[shape.size()];
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class,
                () -> ImageDecoder.decodeToChw(img, shape, Preprocessing.minusOneToOne(), dest, 0, 9_999));
        assertEquals(10_000, e.pixels());
        ImageDecoder.decodeToChw(img, shape, Preprocessing.minusOneToOne(), dest, 0, 10_000);
        assertEquals(100, ImageDecoder.read(img, 10_000).getWidth());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.read(img, 0));
        assertTrue(bad.getMessage().contains("got 0"), bad.getMessage());
    }
}
