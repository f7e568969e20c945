package org.transferkit.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
/**
 * Train-time augmentation: the built-in one (random resized crop, horizontal flip, small rotation and colour
 * jitter: brightness, contrast, saturation; {@link #standard()}, {@link #builder()}), or a {@link Transform}
 * defined elsewhere ({@link #of(String, Transform)}, e.g. a DataVec {@code ImageTransform} through
 * {@code org.transferkit.datavec.DataVecAugmentation}). Immutable and thread-safe; all randomness comes from the
 * {@link Random} passed to {@link #apply}, so a seeded pipeline augments the same way every run.
 * Never applied to validation or test images.
 */
public final class Augmentation {
    /**
     * A train-time transform of decoded images, defined outside this class.
     */
    @FunctionalInterface
    public interface Transform {
        /**
         * @param img a decoded, upright image (not mutated)
         * @param rnd this image's randomness (derived from the seed, the epoch and the image's content); all
         *     random choices are drawn from it, so the same image gets the same transform on every run
         * @return the transformed image, of any size: the backbone's preprocessing resizes it afterwards
         * @throws IOException if this image cannot be transformed; it is then skipped with the message as reason
         */
        BufferedImage apply(BufferedImage img, Random rnd) throws IOException;
    }

    private final boolean flip;
    private final double minCropArea;
    private final double maxRotationDegrees;
    private final double jitter;
    private final Transform transform;
    private final String description;

    private Augmentation(Builder b) {
        this.flip = b.flip;
        this.minCropArea = b.minCropArea;
        this.maxRotationDegrees = b.maxRotationDegrees;
        this.jitter = b.jitter;
        this.transform = null;
        this.description = null;
    }

    private Augmentation(String description, Transform transform) {
        this.flip = false;
        this.minCropArea = 1;
        this.maxRotationDegrees = 0;
        this.jitter = 0;
        this.transform = transform;
        this.description = description;
    }

    /**
     * An augmentation by a transform defined elsewhere.
     *
     * @param description what it does, with every setting that changes its output: it is the augmentation's
     *     {@link #toString()} and so part of the feature cache's key
     * @param transform the transform; it must be safe to call from several decoding threads at once
     * @return the augmentation
     * @throws IllegalArgumentException if the description is null or blank
     */
    public static Augmentation of(String description, Transform transform) {
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("an augmentation needs a description of what it does, got '"
                    + description + "'");
        }
        return new Augmentation(description, Objects.requireNonNull(transform, "transform"));
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
     * Augments one image for a backbone: the built-in augmentation as {@link #apply(BufferedImage, InputShape,
     * Random)}; a {@link Transform} transforms it and the preprocessing's resize policy brings it to the shape.
     *
     * @param img a decoded image (not mutated)
     * @param shape the input shape
     * @param pre the backbone's preprocessing (its resize policy is used)
     * @param rnd the randomness; advanced
     * @return a new image of the input size
     * @throws IOException if a {@link Transform} cannot transform this image
     */
    public BufferedImage apply(BufferedImage img, InputShape shape, Preprocessing pre, Random rnd) throws IOException {
        return transform == null ? apply(img, shape, rnd) : transformed(img, shape, pre.resize(), rnd);
    }

    private BufferedImage transformed(BufferedImage img, InputShape shape, Preprocessing.Resize resize, Random rnd)
            throws IOException {
        BufferedImage out = transform.apply(img, rnd);
        if (out == null) {
            throw new IOException("the augmentation '" + description + "' returned no image");
        }
        return ImageDecoder.resize(out, shape, resize);
    }

    /**
     * Augments one image and resizes it to the input shape (a {@link Transform}'s result is squashed to it).
     *
     * @param img a decoded image (not mutated)
     * @param shape the input shape
     * @param rnd the randomness; advanced
     * @return a new {@code TYPE_INT_RGB} image of the input size
     * @throws UncheckedIOException if a {@link Transform} cannot transform this image
     */
    public BufferedImage apply(BufferedImage img, InputShape shape, Random rnd) {
        if (transform != null) {
            try {
                return transformed(img, shape, Preprocessing.Resize.SQUASH, rnd);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
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
        if (transform != null) {
            return description;
        }
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
