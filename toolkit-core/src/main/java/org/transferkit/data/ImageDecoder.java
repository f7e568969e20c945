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
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
/**
 * Decodes image files with Java ImageIO (plus the TwelveMonkeys JPEG and BMP plugins, which read CMYK
 * and many slightly broken JPEGs) and turns them into normalized network input. Stateless and
 * thread-safe.
 *
 * <p>What is refused, with an {@link IOException} whose message is the reason a run lists the file under: an empty
 * file, bytes no reader recognises, an image over the pixel cap ({@link ImageTooLargeException}), one that fails to
 * decode, and a <em>partly decodable</em> one: a JPEG cut short before its end-of-image marker. libjpeg and ImageIO
 * decode such a file with only a warning, filling the missing rows in grey; a grey half-picture would train and score
 * as if it were the real one, so it is refused on every decode path alike (OpenCV and ImageIO) and its reason starts
 * with {@value #PARTLY_DECODABLE}. Other PNG, GIF and BMP files cut short fail to decode. Decoder warnings that lose
 * no pixels (extraneous bytes between markers, an odd colour profile) do not refuse a file.
 *
 * <p>Why not DataVec's {@code NativeImageLoader}: it decodes through OpenCV's {@code imread}, which
 * reads no GIF and cannot tell a corrupt file apart from a bug mid-epoch, and it pulls OpenCV natives
 * for every platform.
 */
public final class ImageDecoder {
    private ImageDecoder() {
    }

    /**
     * Longest side an image is decoded at. Larger images are subsampled while decoding, so a
     * 10000×10000 photo costs no more memory than a 2048×2048 one.
     */
    public static final int MAX_DECODE_SIDE = 2048;

    /**
     * The default cap on the pixel count (width × height) an image header may declare: 40 megapixels, above
     * any ordinary camera photo. An image declaring more is refused with {@link ImageTooLargeException}
     * after reading only its header, before any pixel memory is allocated, so a small file claiming to be
     * 46000×46000 (a decompression bomb) costs microseconds instead of seconds. Every method without a
     * {@code maxPixels} parameter applies this cap; the overloads that take one apply theirs.
     */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    /** How the reason of a partly decodable image (a JPEG cut short) starts. */
    public static final String PARTLY_DECODABLE = "partly decodable";

    /**
     * Changes whenever the decoder starts refusing images it used to accept (2: partly decodable JPEGs), so that
     * caches of decoded results (the feature cache) are not reused across the change.
     */
    public static final int RULES_VERSION = 2;

    /**
     * Refuses a partly decodable image: a JPEG whose data ends before its end-of-image marker.
     *
     * @param bytes encoded image bytes
     * @throws IOException if they are partly decodable; the message starts with {@value #PARTLY_DECODABLE}
     */
    static void checkWhole(byte[] bytes) throws IOException {
        if (NativeJpeg.isJpeg(bytes) && NativeJpeg.endsBeforeEoi(bytes)) {
            throw new IOException(PARTLY_DECODABLE + ": the JPEG ends before its end-of-image marker (a truncated file of "
                    + bytes.length + " bytes); decoders would fill the missing part in grey, so it is not used");
        }
    }

    /**
     * Checks a cap value.
     *
     * @param maxPixels a pixel cap
     * @return the cap
     * @throws IllegalArgumentException if it is below 1; the message names it
     */
    public static long checkMaxPixels(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("the pixel cap must be >= 1, got " + maxPixels);
        }
        return maxPixels;
    }

    /**
     * Reads the declared size from an image's header only (JPEG: its SOF segment; other formats: the
     * ImageIO reader's {@code getWidth/getHeight}, which parse the header), and refuses it if it declares
     * more than {@code maxPixels} pixels. Decodes no pixel data.
     *
     * @param bytes encoded image bytes
     * @param maxPixels the cap, >= 1
     * @throws ImageTooLargeException if the header declares more pixels than the cap
     * @throws IOException if no header can be read (not an image, or truncated before the size)
     * @throws IllegalArgumentException if the cap is below 1
     */
    public static void checkPixels(byte[] bytes, long maxPixels) throws IOException {
        checkMaxPixels(maxPixels);
        int[] size = NativeJpeg.isJpeg(bytes) ? NativeJpeg.jpegSize(bytes) : null;
        if (size != null) {
            checkPixels(size[0], size[1], maxPixels);
            return;
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = firstReader(in);
            try {
                checkPixels(reader.getWidth(0), reader.getHeight(0), maxPixels);
            } catch (RuntimeException e) {
                throw new IOException("corrupt image header: " + e, e);
            } finally {
                reader.dispose();
            }
        }
    }

    /** @return the first ImageIO reader of the stream's format, its input set (the caller disposes of it) */
    private static ImageReader firstReader(ImageInputStream in) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new IOException("not a decodable image (no ImageIO reader recognised the format)");
        }
        ImageReader reader = readers.next();
        try {
            reader.setInput(in, true, true);
        } catch (RuntimeException e) {
            reader.dispose();
            throw new IOException("corrupt image header: " + e, e);
        }
        return reader;
    }

    private static void checkPixels(long w, long h, long maxPixels) throws ImageTooLargeException {
        if (w * h > maxPixels) {
            throw new ImageTooLargeException(w, h, maxPixels);
        }
    }

    /**
     * Reads an image file, applying its EXIF orientation.
     *
     * @param file the file
     * @return the decoded image (any colour model), upright
     * @throws IOException if the file is not a regular readable file or not a decodable image; the
     *     message says which
     */
    public static BufferedImage read(Path file) throws IOException {
        String problem = ImageDataset.fileProblem(file);
        if (problem != null) {
            throw new IOException(problem);
        }
        if (Files.size(file) == 0) {
            throw new IOException("empty file (0 bytes)");
        }
        return read(Files.readAllBytes(file));
    }

    /**
     * Reads an image from bytes, applying its EXIF orientation.
     *
     * @param bytes encoded image bytes
     * @return the decoded image, upright
     * @throws IOException if the bytes are not a decodable image, or only partly decodable
     */
    public static BufferedImage read(byte[] bytes) throws IOException {
        return read(bytes, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads an image from bytes, applying its EXIF orientation, if its header declares at most
     * {@code maxPixels} pixels.
     *
     * @param bytes encoded image bytes
     * @param maxPixels the pixel cap, >= 1 (see {@link #DEFAULT_MAX_PIXELS})
     * @return the decoded image, upright
     * @throws ImageTooLargeException if the header declares more pixels than the cap (nothing is decoded)
     * @throws IOException if the bytes are not a decodable image, or only partly decodable
     * @throws IllegalArgumentException if the cap is below 1
     */
    public static BufferedImage read(byte[] bytes, long maxPixels) throws IOException {
        checkMaxPixels(maxPixels);
        if (bytes.length == 0) {
            throw new IOException("empty file (0 bytes)");
        }
        checkWhole(bytes);
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = firstReader(in);
            try {
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                checkPixels(w, h, maxPixels);
                ImageReadParam param = reader.getDefaultReadParam();
                int step = (int) Math.ceil(Math.max(w, h) / (double) MAX_DECODE_SIDE);
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                img = reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (ImageTooLargeException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("corrupt or truncated image: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // ImageIO plugins throw unchecked exceptions on some corrupt inputs
            throw new IOException("corrupt image: " + e, e);
        }
        if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
            throw new IOException("image has no pixels");
        }
        return ExifOrientation.apply(img, ExifOrientation.read(bytes));
    }

    /**
     * Reads an image from a stream (read to its end, not closed), applying its EXIF orientation.
     *
     * @param in encoded image bytes
     * @return the decoded image, upright
     * @throws IOException if the stream cannot be read or is not a decodable image
     */
    public static BufferedImage read(InputStream in) throws IOException {
        return read(in.readAllBytes());
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
        int dx = 0;
        int dy = 0;
        int dw = w;
        int dh = h;
        if (resize == Preprocessing.Resize.LETTERBOX) {
            double scale = Math.min((double) w / sw, (double) h / sh);
            dw = Math.max(1, (int) Math.round(sw * scale));
            dh = Math.max(1, (int) Math.round(sh * scale));
            dx = (w - dw) / 2;
            dy = (h - dh) / 2;
        }
        BufferedImage src = img;
        // shrink in halves first so that large images do not alias under bilinear sampling
        while (sw >= 2 * dw && sh >= 2 * dh) {
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
        if (resize == Preprocessing.Resize.LETTERBOX) {
            Graphics2D g = out.createGraphics();
            g.setColor(Color.GRAY);
            g.fillRect(0, 0, w, h);
            g.dispose();
        }
        draw(src, out, sx, sy, sw, sh, dx, dy, dw, dh);
        return out;
    }

    private static void draw(BufferedImage src, BufferedImage dst, int sx, int sy, int sw, int sh, int w, int h) {
        draw(src, dst, sx, sy, sw, sh, 0, 0, w, h);
    }

    private static void draw(BufferedImage src, BufferedImage dst, int sx, int sy, int sw, int sh, int dx, int dy,
            int w, int h) {
        Graphics2D g = dst.createGraphics();
        try {
            g.setColor(Color.WHITE); // what shows through transparent pixels
            g.fillRect(dx, dy, w, h);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, dx, dy, dx + w, dy + h, sx, sy, sx + sw, sy + sh, null);
        } finally {
            g.dispose();
        }
    }

    /**
     * Decodes encoded image bytes straight into normalized CHW floats: the one path that training,
     * evaluation and prediction share, so they all see the same pixels. JPEGs go through OpenCV
     * (libjpeg-turbo) when it is available; everything else, and any JPEG OpenCV rejects, through
     * ImageIO.
     *
     * @param bytes encoded image bytes
     * @param shape input shape
     * @param pre preprocessing
     * @param dest destination, at least {@code offset + shape.size()} long; mutated
     * @param offset where the image starts in {@code dest}
     * @throws IOException if the bytes are not a decodable image, or only partly decodable
     */
    public static void decodeToChw(byte[] bytes, InputShape shape, Preprocessing pre, float[] dest, int offset)
            throws IOException {
        decodeToChw(bytes, shape, pre, dest, offset, DEFAULT_MAX_PIXELS);
    }

    /**
     * As {@link #decodeToChw(byte[], InputShape, Preprocessing, float[], int)}, refusing an image whose header
     * declares more than {@code maxPixels} pixels before decoding anything.
     *
     * @param bytes encoded image bytes
     * @param shape input shape
     * @param pre preprocessing
     * @param dest destination, at least {@code offset + shape.size()} long; mutated
     * @param offset where the image starts in {@code dest}
     * @param maxPixels the pixel cap, >= 1 (see {@link #DEFAULT_MAX_PIXELS})
     * @throws ImageTooLargeException if the header declares more pixels than the cap
     * @throws IOException if the bytes are not a decodable image, or only partly decodable
     * @throws IllegalArgumentException if the cap is below 1
     */
    public static void decodeToChw(byte[] bytes, InputShape shape, Preprocessing pre, float[] dest, int offset,
            long maxPixels) throws IOException {
        checkMaxPixels(maxPixels);
        if (NativeJpeg.isJpeg(bytes)) {
            int[] size = NativeJpeg.jpegSize(bytes);
            if (size != null) {
                checkPixels(size[0], size[1], maxPixels);
            }
            checkWhole(bytes); // OpenCV would decode it with a grey bottom and no word about it
        }
        if (NativeJpeg.AVAILABLE && NativeJpeg.isJpeg(bytes)) {
            try {
                if (NativeJpeg.decodeToChw(bytes, shape, pre, dest, offset)) {
                    return;
                }
            } catch (RuntimeException e) {
                // fall through to ImageIO, which reports what is wrong with the file
            }
        }
        toChw(read(bytes, maxPixels), shape, pre, dest, offset);
    }

    /**
     * Reads a file and decodes it into normalized CHW floats ({@link #decodeToChw(byte[], InputShape,
     * Preprocessing, float[], int)}).
     *
     * @param file the image file
     * @param shape input shape
     * @param pre preprocessing
     * @param dest destination; mutated
     * @param offset where the image starts in {@code dest}
     * @throws IOException if the file is not a regular readable file, or not a (wholly) decodable image
     */
    public static void decodeToChw(Path file, InputShape shape, Preprocessing pre, float[] dest, int offset)
            throws IOException {
        decodeToChw(file, shape, pre, dest, offset, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads a file and decodes it into normalized CHW floats under a pixel cap ({@link
     * #decodeToChw(byte[], InputShape, Preprocessing, float[], int, long)}).
     *
     * @param file the image file
     * @param shape input shape
     * @param pre preprocessing
     * @param dest destination; mutated
     * @param offset where the image starts in {@code dest}
     * @param maxPixels the pixel cap, >= 1
     * @throws ImageTooLargeException if the header declares more pixels than the cap
     * @throws IOException if the file is not a regular readable file, or not a (wholly) decodable image
     */
    public static void decodeToChw(Path file, InputShape shape, Preprocessing pre, float[] dest, int offset,
            long maxPixels) throws IOException {
        String problem = ImageDataset.fileProblem(file);
        if (problem != null) {
            throw new IOException(problem); // the reason a source gives when it lists such a file
        }
        decodeToChw(Files.readAllBytes(file), shape, pre, dest, offset, maxPixels);
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
        BufferedImage rgb = img.getType() == BufferedImage.TYPE_INT_RGB && img.getWidth() == shape.width()
                && img.getHeight() == shape.height() ? img : resize(img, shape, pre.resize());
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
