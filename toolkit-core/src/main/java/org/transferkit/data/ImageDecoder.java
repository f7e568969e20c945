package org.transferkit.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Decodes image files with Java ImageIO (plus the TwelveMonkeys JPEG and BMP plugins, which read CMYK
 * and many slightly broken JPEGs) and turns them into normalized network input. Stateless and
 * thread-safe.
 *
 * <p>Why not DataVec's {@code NativeImageLoader}: it decodes through OpenCV's {@code imread}, which
 * reads no GIF and cannot tell a corrupt file apart from a bug mid-epoch, and it pulls OpenCV natives
 * for every platform.
 */
public final class ImageDecoder {
    private ImageDecoder() {
    }

    /**
     * Reads an image file.
     *
     * @param file the file
     * @return the decoded image (any colour model)
     * @throws IOException if the file cannot be read or is not a decodable image; the message says which
     */
    public static BufferedImage read(Path file) throws IOException {
        if (Files.size(file) == 0) {
            throw new IOException("empty file (0 bytes)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        }
    }

    /**
     * Reads an image from bytes.
     *
     * @param bytes encoded image bytes
     * @return the decoded image
     * @throws IOException if the bytes are not a decodable image
     */
    public static BufferedImage read(byte[] bytes) throws IOException {
        return read(new ByteArrayInputStream(bytes));
    }

    /**
     * Reads an image from a stream; the stream is not closed.
     *
     * @param in encoded image bytes
     * @return the decoded image
     * @throws IOException if the bytes are not a decodable image
     */
    public static BufferedImage read(InputStream in) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(in);
        } catch (RuntimeException e) {
            // ImageIO plugins throw unchecked exceptions on some corrupt inputs
            throw new IOException("corrupt image: " + e, e);
        }
        if (img == null) {
            throw new IOException("not a decodable image (no ImageIO reader recognised the format)");
        }
        if (img.getWidth() < 1 || img.getHeight() < 1) {
            throw new IOException("image has no pixels");
        }
        return img;
    }

    /**
     * Resizes an image to the input shape following the preprocessing's resize policy, as opaque RGB
     * (transparent areas come out white).
     *
     * @param img any decoded image
     * @param shape target size
     * @param resize resize policy
     * @return a new {@code TYPE_INT_RGB} image of exactly {@code shape.width() x shape.height()}
     */
    public static BufferedImage resize(BufferedImage img, InputShape shape, Preprocessing.Resize resize) {
        int w = shape.width();
        int h = shape.height();
        int sx = 0;
        int sy = 0;
        int sw = img.getWidth();
        int sh = img.getHeight();
        if (resize == Preprocessing.Resize.CENTER_CROP) {
            double scale = Math.max((double) w / sw, (double) h / sh);
            int cw = (int) Math.round(w / scale);
            int ch = (int) Math.round(h / scale);
            sx = (sw - cw) / 2;
            sy = (sh - ch) / 2;
            sw = cw;
            sh = ch;
        }
        BufferedImage src = img;
        // shrink in halves first so that large images do not alias under bilinear sampling
        while (sw >= 2 * w && sh >= 2 * h) {
            BufferedImage half = new BufferedImage(Math.max(1, src.getWidth() / 2), Math.max(1, src.getHeight() / 2),
                    BufferedImage.TYPE_INT_RGB);
            draw(src, half, 0, 0, src.getWidth(), src.getHeight(), half.getWidth(), half.getHeight());
            src = half;
            sx /= 2;
            sy /= 2;
            sw /= 2;
            sh /= 2;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        draw(src, out, sx, sy, sw, sh, w, h);
        return out;
    }

    private static void draw(BufferedImage src, BufferedImage dst, int sx, int sy, int sw, int sh, int w, int h) {
        Graphics2D g = dst.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, sx, sy, sx + sw, sy + sh, null);
        } finally {
            g.dispose();
        }
    }

    /**
     * Writes one image into {@code dest} as normalized CHW floats at {@code offset}.
     *
     * @param img any decoded image (resized here)
     * @param shape input shape
     * @param pre preprocessing
     * @param dest destination array, at least {@code offset + shape.size()} long; mutated
     * @param offset where the image starts in {@code dest}
     */
    public static void toChw(BufferedImage img, InputShape shape, Preprocessing pre, float[] dest, int offset) {
        BufferedImage rgb = resize(img, shape, pre.resize());
        int w = shape.width();
        int h = shape.height();
        int plane = w * h;
        int[] pixels = rgb.getRGB(0, 0, w, h, null, 0, w);
        boolean bgr = pre.channelOrder() == Preprocessing.ChannelOrder.BGR;
        for (int i = 0; i < plane; i++) {
            int p = pixels[i];
            int r = (p >> 16) & 0xff;
            int g = (p >> 8) & 0xff;
            int b = p & 0xff;
            if (shape.channels() == 1) {
                dest[offset + i] = pre.apply((r * 299 + g * 587 + b * 114) / 1000, 0);
            } else {
                dest[offset + i] = pre.apply(bgr ? b : r, 0);
                dest[offset + plane + i] = pre.apply(g, 1);
                dest[offset + 2 * plane + i] = pre.apply(bgr ? r : b, 2);
            }
        }
    }
}
