package org.transferkit.data;

import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;

/**
 * Reads the EXIF orientation of a JPEG (tag 0x0112 of IFD0 in the APP1 "Exif" segment) and applies
 * it, so that a photo taken sideways is classified upright. Stateless.
 */
final class ExifOrientation {
    private ExifOrientation() {
    }

    /**
     * @param b the file's bytes
     * @return the orientation 1..8, or 1 when there is none (not a JPEG, no EXIF, malformed EXIF)
     */
    static int read(byte[] b) {
        if (b.length < 4 || (b[0] & 0xff) != 0xFF || (b[1] & 0xff) != 0xD8) {
            return 1;
        }
        int i = 2;
        while (i + 4 <= b.length && (b[i] & 0xff) == 0xFF) {
            int marker = b[i + 1] & 0xff;
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (marker == 0xDA || marker == 0xD9 || len < 2) {
                return 1; // start of scan: no EXIF before the image data
            }
            if (marker == 0xE1 && len >= 8 && i + 10 <= b.length && b[i + 4] == 'E' && b[i + 5] == 'x'
                    && b[i + 6] == 'i' && b[i + 7] == 'f' && b[i + 8] == 0 && b[i + 9] == 0) {
                return tiffOrientation(b, i + 10, Math.min(b.length, i + 2 + len));
            }
            i += 2 + len;
        }
        return 1;
    }

    private static int tiffOrientation(byte[] b, int t, int end) {
        if (t + 8 > end) {
            return 1;
        }
        boolean le = b[t] == 'I' && b[t + 1] == 'I';
        if (!le && !(b[t] == 'M' && b[t + 1] == 'M')) {
            return 1;
        }
        long ifd = u32(b, t + 4, le);
        int p = (int) (t + ifd);
        if (ifd < 8 || p + 2 > end) {
            return 1;
        }
        int n = u16(b, p, le);
        for (int k = 0; k < n; k++) {
            int e = p + 2 + 12 * k;
            if (e + 12 > end) {
                return 1;
            }
            if (u16(b, e, le) == 0x0112) {
                int v = u16(b, e + 8, le);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int p, boolean le) {
        return le ? (b[p] & 0xff) | ((b[p + 1] & 0xff) << 8) : ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    private static long u32(byte[] b, int p, boolean le) {
        return le ? (u16(b, p, true) | ((long) u16(b, p + 2, true) << 16))
                : (((long) u16(b, p, false) << 16) | u16(b, p + 2, false));
    }

    /**
     * @param img the decoded image as stored
     * @param orientation EXIF orientation 1..8
     * @return the image as it should be seen (a new image unless the orientation is 1)
     */
    static BufferedImage apply(BufferedImage img, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return img;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        boolean swap = orientation >= 5;
        AffineTransform t = new AffineTransform();
        switch (orientation) {
            case 2 -> { t.translate(w, 0); t.scale(-1, 1); }
            case 3 -> { t.translate(w, h); t.rotate(Math.PI); }
            case 4 -> { t.translate(0, h); t.scale(1, -1); }
            case 5 -> { t.rotate(-Math.PI / 2); t.scale(-1, 1); }
            case 6 -> { t.translate(h, 0); t.rotate(Math.PI / 2); }
            case 7 -> { t.scale(-1, 1); t.translate(-h, 0); t.translate(0, w); t.rotate(3 * Math.PI / 2); }
            case 8 -> { t.translate(0, w); t.rotate(3 * Math.PI / 2); }
            default -> { }
        }
        BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(img, t, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
