package org.transferkit.data;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
/**
 * The JPEG fast path: OpenCV's {@code imdecode} (libjpeg-turbo, SIMD) and {@code resize}, about 2.5×
 * faster than ImageIO on photos. Applies the EXIF orientation (OpenCV does), decodes huge JPEGs at
 * 1/2, 1/4 or 1/8 scale in the DCT domain, and resizes with the same policies as {@link ImageDecoder}.
 * Stateless and thread-safe. If OpenCV's natives cannot be loaded, {@link #AVAILABLE} is false and
 * callers use ImageIO.
 */
final class NativeJpeg {
    /** Whether OpenCV loaded on this platform. */
    static final boolean AVAILABLE = probe();

    private NativeJpeg() {
    }

    private static boolean probe() {
        try {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.opencv.global.opencv_imgcodecs.class);
            return true;
        } catch (LinkageError | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(NativeJpeg.class)
                    .warn("OpenCV natives unavailable, decoding JPEG with ImageIO (slower): {}", e.toString());
            return false;
        }
    }

    /** @return true if the bytes start like a JPEG (SOI marker) */
    static boolean isJpeg(byte[] b) {
        return b.length > 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF;
    }

    /**
     * Decodes a JPEG and writes it as normalized CHW floats.
     *
     * @return true on success; false if OpenCV could not decode it (the caller then tries ImageIO)
     */
    static boolean decodeToChw(byte[] bytes, InputShape shape, Preprocessing pre, float[] dest, int offset) {
        int flags = IMREAD_COLOR;
        int[] size = jpegSize(bytes);
        if (size != null) {
            int longest = Math.max(size[0], size[1]);
            int need = Math.max(shape.width(), shape.height());
            // decode at reduced scale in the DCT domain when that still leaves >= 2x the target size
            if (longest >= 16 * need) {
                flags = IMREAD_REDUCED_COLOR_8;
            } else if (longest >= 8 * need) {
                flags = IMREAD_REDUCED_COLOR_4;
            } else if (longest >= 4 * need) {
                flags = IMREAD_REDUCED_COLOR_2;
            }
        }
        try (BytePointer bp = new BytePointer(bytes);
                Mat buf = new Mat(1, bytes.length, CV_8UC1, bp);
                Mat img = imdecode(buf, flags)) {
            if (img == null || img.empty() || img.channels() != 3) {
                return false;
            }
            try (Mat sized = fit(img, shape, pre.resize())) {
                byte[] px = new byte[shape.width() * shape.height() * 3];
                sized.data().get(px);
                write(px, shape, pre, dest, offset);
                return true;
            }
        }
    }

    private static Mat fit(Mat img, InputShape shape, Preprocessing.Resize policy) {
        int w = shape.width();
        int h = shape.height();
        int sw = img.cols();
        int sh = img.rows();
        Mat out = new Mat();
        if (policy == Preprocessing.Resize.CENTER_CROP) {
            double scale = Math.max((double) w / sw, (double) h / sh);
            int cw = Math.min(sw, (int) Math.round(w / scale));
            int ch = Math.min(sh, (int) Math.round(h / scale));
            try (Rect r = new Rect((sw - cw) / 2, (sh - ch) / 2, cw, ch); Mat roi = new Mat(img, r);
                    Size s = new Size(w, h)) {
                resize(roi, out, s, 0, 0, cw > w ? INTER_AREA : INTER_LINEAR);
            }
        } else if (policy == Preprocessing.Resize.LETTERBOX) {
            double scale = Math.min((double) w / sw, (double) h / sh);
            int dw = Math.max(1, (int) Math.round(sw * scale));
            int dh = Math.max(1, (int) Math.round(sh * scale));
            try (Mat tmp = new Mat(); Size s = new Size(dw, dh); Scalar grey = new Scalar(128, 128, 128, 0)) {
                resize(img, tmp, s, 0, 0, sw > dw ? INTER_AREA : INTER_LINEAR);
                int top = (h - dh) / 2;
                int left = (w - dw) / 2;
                copyMakeBorder(tmp, out, top, h - dh - top, left, w - dw - left, BORDER_CONSTANT, grey);
            }
        } else {
            try (Size s = new Size(w, h)) {
                resize(img, out, s, 0, 0, sw > w ? INTER_AREA : INTER_LINEAR);
            }
        }
        return out;
    }

    /** Interleaved BGR bytes to normalized CHW floats in the preprocessing's channel order. */
    private static void write(byte[] bgr, InputShape shape, Preprocessing pre, float[] dest, int offset) {
        int plane = shape.width() * shape.height();
        if (shape.channels() == 1) {
            for (int i = 0; i < plane; i++) {
                int b = bgr[3 * i] & 0xff;
                int g = bgr[3 * i + 1] & 0xff;
                int r = bgr[3 * i + 2] & 0xff;
                dest[offset + i] = pre.apply((r * 299 + g * 587 + b * 114) / 1000, 0);
            }
            return;
        }
        // one lookup table per network channel: 256 values each instead of a divide per pixel
        float[] t0 = table(pre, 0);
        float[] t1 = table(pre, 1);
        float[] t2 = table(pre, 2);
        boolean rgbOrder = pre.channelOrder() == Preprocessing.ChannelOrder.RGB;
        int first = rgbOrder ? 2 : 0; // byte offset of the network's first channel in BGR pixels
        int last = rgbOrder ? 0 : 2;
        for (int i = 0, j = 0; i < plane; i++, j += 3) {
            dest[offset + i] = t0[bgr[j + first] & 0xff];
            dest[offset + plane + i] = t1[bgr[j + 1] & 0xff];
            dest[offset + 2 * plane + i] = t2[bgr[j + last] & 0xff];
        }
    }

    private static float[] table(Preprocessing pre, int channel) {
        float[] t = new float[256];
        for (int v = 0; v < 256; v++) {
            t[v] = pre.apply(v, channel);
        }
        return t;
    }

    /**
     * Whether a JPEG's data stops before its end-of-image marker (a file cut short: decoders fill the missing part
     * in). Walks the header segments to the first start-of-scan, then looks for the end marker from the end of the
     * file back to it (a valid file ends with it, perhaps followed by padding); inside the scan data a 0xFF byte is
     * always followed by 0x00 or a restart marker, so the end marker cannot occur there by accident, and an
     * embedded thumbnail's end marker lies in a header segment, before the scan.
     *
     * @param b the bytes of a JPEG ({@link #isJpeg})
     * @return true if the scan starts but the end marker never comes; false if it comes, or if the header is too
     *     broken to find the scan (the decoder then reports the file as undecodable)
     */
    static boolean endsBeforeEoi(byte[] b) {
        int sos = startOfScan(b);
        if (sos < 0) {
            return false;
        }
        for (int i = b.length - 2; i > sos; i--) {
            if ((b[i] & 0xff) == 0xFF && (b[i + 1] & 0xff) == 0xD9) {
                return false;
            }
        }
        return true;
    }

    /** @return the offset of the first start-of-scan marker, or -1 if the header segments do not lead to one */
    private static int startOfScan(byte[] b) {
        int i = 2;
        while (i + 3 < b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return -1;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++; // fill byte
            } else if (marker == 0xDA) {
                return i;
            } else if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2; // markers without a length
            } else {
                int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
                if (len < 2) {
                    return -1;
                }
                i += 2 + len;
            }
        }
        return -1;
    }

    /** @return {width, height} from the JPEG's SOF segment, or null if not found */
    static int[] jpegSize(byte[] b) {
        int i = 2;
        while (i + 9 < b.length && (b[i] & 0xff) == 0xFF) {
            int marker = b[i + 1] & 0xff;
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                int h = ((b[i + 5] & 0xff) << 8) | (b[i + 6] & 0xff);
                int w = ((b[i + 7] & 0xff) << 8) | (b[i + 8] & 0xff);
                return new int[] {w, h};
            }
            if (marker == 0xDA || len < 2) {
                return null;
            }
            i += 2 + len;
        }
        return null;
    }
}
