package org.transferkit.explain;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.TransferKitException;

/** Turns activation maps and heat maps into images. Stateless. */
public final class Render {
    private static final int MIN_SIDE = 256;

    private Render() {
    }

    /**
     * Writes an image as PNG, creating parent folders.
     *
     * @param img the image
     * @param file the target
     * @throws TransferKitException if it cannot be written; the message names the file
     */
    public static void writePng(BufferedImage img, Path file) throws TransferKitException {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(img, "png", file.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new TransferKitException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** @return maps of a [1, c, h, w] activation as a grid of grey tiles, each scaled to its own range */
    static BufferedImage grid(INDArray a, int maxMaps) {
        int c = (int) Math.min(a.size(1), maxMaps);
        int h = (int) a.size(2);
        int w = (int) a.size(3);
        int scale = Math.max(1, 48 / Math.max(h, w));
        int cols = (int) Math.ceil(Math.sqrt(c));
        int rows = (c + cols - 1) / cols;
        int th = h * scale;
        int tw = w * scale;
        BufferedImage img = new BufferedImage(cols * (tw + 2) + 2, rows * (th + 2) + 2, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(40, 40, 40));
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.dispose();
        for (int k = 0; k < c; k++) {
            float[][] m = new float[h][w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    m[y][x] = a.getFloat(0, k, y, x);
                }
            }
            normalise(m);
            int ox = 2 + (k % cols) * (tw + 2);
            int oy = 2 + (k / cols) * (th + 2);
            for (int y = 0; y < th; y++) {
                for (int x = 0; x < tw; x++) {
                    int v = Math.round(255 * m[y / scale][x / scale]);
                    img.setRGB(ox + x, oy + y, (v << 16) | (v << 8) | v);
                }
            }
        }
        return img;
    }

    /** Scales a map in place to [0, 1] by its min and max (all 0 if constant). */
    static void normalise(float[][] m) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float[] row : m) {
            for (float v : row) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        for (float[] row : m) {
            for (int x = 0; x < row.length; x++) {
                row[x] = hi > lo ? (row[x] - lo) / (hi - lo) : 0f;
            }
        }
    }

    /** @return the image, upscaled to at least {@value #MIN_SIDE} px, with the heat map blended over it */
    static BufferedImage overlay(BufferedImage seen, float[][] map) {
        int scale = Math.max(1, (int) Math.ceil(MIN_SIDE / (double) Math.max(seen.getWidth(), seen.getHeight())));
        int w = seen.getWidth() * scale;
        int h = seen.getHeight() * scale;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(seen, 0, 0, w, h, null);
        g.dispose();
        int mh = map.length;
        int mw = map[0].length;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = bilinear(map, (x + 0.5f) * mw / w - 0.5f, (y + 0.5f) * mh / h - 0.5f);
                int heat = jet(v);
                int base = out.getRGB(x, y);
                float alpha = 0.15f + 0.45f * v;
                out.setRGB(x, y, blend(base, heat, alpha));
            }
        }
        return out;
    }

    private static float bilinear(float[][] m, float fx, float fy) {
        int h = m.length;
        int w = m[0].length;
        fx = Math.max(0, Math.min(w - 1, fx));
        fy = Math.max(0, Math.min(h - 1, fy));
        int x0 = (int) fx;
        int y0 = (int) fy;
        int x1 = Math.min(w - 1, x0 + 1);
        int y1 = Math.min(h - 1, y0 + 1);
        float dx = fx - x0;
        float dy = fy - y0;
        return (m[y0][x0] * (1 - dx) + m[y0][x1] * dx) * (1 - dy) + (m[y1][x0] * (1 - dx) + m[y1][x1] * dx) * dy;
    }

    /** @return a blue → cyan → yellow → red colour for v in [0, 1] */
    static int jet(float v) {
        float r = clamp(1.5f - Math.abs(4 * v - 3));
        float g = clamp(1.5f - Math.abs(4 * v - 2));
        float b = clamp(1.5f - Math.abs(4 * v - 1));
        return (Math.round(255 * r) << 16) | (Math.round(255 * g) << 8) | Math.round(255 * b);
    }

    private static float clamp(float v) {
        return Math.max(0, Math.min(1, v));
    }

    private static int blend(int a, int b, float t) {
        int r = Math.round(((a >> 16) & 255) * (1 - t) + ((b >> 16) & 255) * t);
        int g = Math.round(((a >> 8) & 255) * (1 - t) + ((b >> 8) & 255) * t);
        int bl = Math.round((a & 255) * (1 - t) + (b & 255) * t);
        return (r << 16) | (g << 8) | bl;
    }
}
