package org.transferkit.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.Locale;
import java.util.Random;

import org.transferkit.model.InputShape;
/**
 * Train-time augmentation: random resized crop, horizontal flip, small rotation and colour jitter
 * (brightness, contrast, saturation). Immutable and thread-safe; all randomness comes from the
 * {@link Random} passed to {@link #apply}, so a seeded pipeline augments the same way every run.
 * Never applied to validation or test images.
 */
public final class Augmentation {
    private final boolean flip;
    private final double minCropArea;
    private final double maxRotationDegrees;
    private final double jitter;

    private Augmentation(Builder b) {
        this.flip = b.flip;
        this.minCropArea = b.minCropArea;
        this.maxRotationDegrees = b.maxRotationDegrees;
        this.jitter = b.jitter;
    }

    /** @return flip on, crops of 60–100 % of the area, rotation up to ±10°, jitter 0.2 */
    public static Augmentation standard() {
        return builder().build();
    }

    /** @return a builder with the {@link #standard()} settings */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Augments one image and resizes it to the input shape.
     *
     * @param img a decoded image (not mutated)
     * @param shape the input shape
     * @param rnd the randomness; advanced
     * @return a new {@code TYPE_INT_RGB} image of the input size
     */
    public BufferedImage apply(BufferedImage img, InputShape shape, Random rnd) {
        int w = img.getWidth();
        int h = img.getHeight();
        double area = minCropArea + (1 - minCropArea) * rnd.nextDouble();
        double aspect = Math.exp(Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * rnd.nextDouble());
        int cw = (int) Math.min(w, Math.round(Math.sqrt(area * w * h * aspect)));
        int ch = (int) Math.min(h, Math.round(Math.sqrt(area * w * h / aspect)));
        cw = Math.max(1, cw);
        ch = Math.max(1, ch);
        int cx = rnd.nextInt(w - cw + 1);
        int cy = rnd.nextInt(h - ch + 1);
        boolean mirror = flip && rnd.nextBoolean();
        double angle = Math.toRadians((rnd.nextDouble() * 2 - 1) * maxRotationDegrees);
        int tw = shape.width();
        int th = shape.height();
        BufferedImage out = new BufferedImage(tw, th, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(java.awt.Color.GRAY);
            g.fillRect(0, 0, tw, th);
            AffineTransform t = new AffineTransform();
            t.translate(tw / 2.0, th / 2.0);
            t.rotate(angle);
            t.scale((mirror ? -1 : 1) * tw / (double) cw, th / (double) ch);
            t.translate(-cx - cw / 2.0, -cy - ch / 2.0);
            g.drawImage(img, t, null);
        } finally {
            g.dispose();
        }
        if (jitter > 0) {
            jitterColours(out, 1 + (rnd.nextDouble() * 2 - 1) * jitter, 1 + (rnd.nextDouble() * 2 - 1) * jitter,
                    1 + (rnd.nextDouble() * 2 - 1) * jitter);
        }
        return out;
    }

    private static void jitterColours(BufferedImage img, double brightness, double contrast, double saturation) {
        int[] px = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        double mean = 0;
        for (int p : px) {
            mean += 0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff);
        }
        mean /= px.length;
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            double r = (p >> 16) & 0xff;
            double gr = (p >> 8) & 0xff;
            double b = p & 0xff;
            double grey = 0.299 * r + 0.587 * gr + 0.114 * b;
            r = ((grey + (r - grey) * saturation - mean) * contrast + mean) * brightness;
            gr = ((grey + (gr - grey) * saturation - mean) * contrast + mean) * brightness;
            b = ((grey + (b - grey) * saturation - mean) * contrast + mean) * brightness;
            px[i] = (clamp(r) << 16) | (clamp(gr) << 8) | clamp(b);
        }
        img.setRGB(0, 0, img.getWidth(), img.getHeight(), px, 0, img.getWidth());
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "flip %s, crop area %.2f-1, rotation +-%.0f deg, jitter %.2f", flip, minCropArea,
                maxRotationDegrees, jitter);
    }

    /** Settings of an {@link Augmentation}; each setter checks its argument. */
    public static final class Builder {
        private boolean flip = true;
        private double minCropArea = 0.6;
        private double maxRotationDegrees = 10;
        private double jitter = 0.2;

        private Builder() {
        }

        /** @param on mirror left-right half the time @return this */
        public Builder flip(boolean on) {
            this.flip = on;
            return this;
        }

        /** @param a smallest crop, as a share of the image area, in (0, 1] @return this @throws IllegalArgumentException otherwise */
        public Builder minCropArea(double a) {
            if (!(a > 0 && a <= 1)) {
                throw new IllegalArgumentException("min crop area must be in (0, 1], got " + a);
            }
            this.minCropArea = a;
            return this;
        }

        /** @param d largest rotation either way, in [0, 45] degrees @return this @throws IllegalArgumentException otherwise */
        public Builder maxRotationDegrees(double d) {
            if (!(d >= 0 && d <= 45)) {
                throw new IllegalArgumentException("max rotation must be in [0, 45] degrees, got " + d);
            }
            this.maxRotationDegrees = d;
            return this;
        }

        /** @param j brightness, contrast and saturation factors vary in [1-j, 1+j]; j in [0, 1) @return this */
        public Builder jitter(double j) {
            if (!(j >= 0 && j < 1)) {
                throw new IllegalArgumentException("jitter must be in [0, 1), got " + j);
            }
            this.jitter = j;
            return this;
        }

        /** @return the augmentation */
        public Augmentation build() {
            return new Augmentation(this);
        }
    }
}
