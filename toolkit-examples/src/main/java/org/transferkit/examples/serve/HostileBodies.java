package org.transferkit.examples.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Request bodies a prediction service must refuse or survive: decompression bombs (a few bytes whose header
 * declares an enormous image) and truncated files. Used by {@link MixedLoad} and the service's tests.
 */
public final class HostileBodies {
    /** Side of the PNG bomb: 46000 × 46000 = 2.1 gigapixels, about 6 GB once decoded as RGB. */
    public static final int PNG_BOMB_SIDE = 46_000;
    /** Side of the JPEG bomb: 65500 × 65500, the largest size a JPEG SOF segment can declare. */
    public static final int JPEG_BOMB_SIDE = 65_500;

    private HostileBodies() {
    }

    /**
     * A PNG of only a signature and an IHDR chunk (with a correct CRC) declaring the size, 8-bit greyscale; no
     * pixel data.
     *
     * @param w declared width
     * @param h declared height
     * @return the 33 bytes
     */
    public static byte[] pngHeader(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(8 + 4 + 17 + 4).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10})
                .putInt(13).put(ihdr.array()).putInt((int) crc.getValue()).array();
    }

    /**
     * A JPEG of SOI and a baseline SOF0 segment declaring the size (3 components), then a few junk bytes.
     *
     * @param w declared width, at most 65535
     * @param h declared height, at most 65535
     * @return the 29 bytes
     */
    public static byte[] jpegHeader(int w, int h) {
        return ByteBuffer.allocate(2 + 19 + 8).put(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0})
                .putShort((short) 17).put((byte) 8).putShort((short) h).putShort((short) w).put((byte) 3)
                .put(new byte[] {1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}).put(new byte[8]).array();
    }

    /** Returns the PNG bomb: {@link #pngHeader} at {@link #PNG_BOMB_SIDE}. */
    public static byte[] pngBomb() {
        return pngHeader(PNG_BOMB_SIDE, PNG_BOMB_SIDE);
    }

    /** Returns the JPEG bomb: {@link #jpegHeader} at {@link #JPEG_BOMB_SIDE}. */
    public static byte[] jpegBomb() {
        return jpegHeader(JPEG_BOMB_SIDE, JPEG_BOMB_SIDE);
    }

    /**
     * Returns the first half of a file, as a download cut off midway leaves it.
     *
     * @param file a file's bytes
     * @return its first half
     */
    public static byte[] firstHalf(byte[] file) {
        return Arrays.copyOf(file, file.length / 2);
    }

    /**
     * Tells whether bytes start like a JPEG.
     *
     * @param b bytes
     * @return true if they start with the SOI marker and then another marker
     */
    public static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF;
    }
}
