package org.transferkit.datavec;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Collectors;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.transform.ImageTransform;
import org.datavec.image.transform.PipelineImageTransform;
import org.nd4j.common.primitives.Pair;
import org.transferkit.data.Augmentation;

/**
 * A DataVec {@link ImageTransform} as TransferKit's train-time {@link Augmentation}, for augmented cached copies
 * ({@code FineTune.Builder.augment(DataVecAugmentation.of(t), copies)}) and for end-to-end epochs alike. Like every
 * augmentation it changes training images only, never validation, test or prediction images.
 *
 * <p>Each decoded image goes to DataVec as an 8-bit BGR {@link ImageWritable} (OpenCV's layout, which DataVec's
 * transforms expect) and comes back as the image the backbone's preprocessing then resizes and normalizes. The
 * {@link Random} the transform is given is the image's own (derived from the training seed, the epoch and the
 * image's content), so the same image is transformed the same way on every run, whatever the thread timing. A
 * {@link PipelineImageTransform} is run step by step on that randomness: its shuffle and its per-step
 * probabilities are drawn from it, mixed with the pipeline's own seed, so the pipeline's seed still changes the
 * outcome and the same seed reproduces it. A transform that draws from a generator of its own instead of the given
 * one is reproducible only with one decoding thread.
 *
 * <p>DataVec transforms keep per-call state, so calls into one augmentation are serialized; a transform instance
 * must not be used elsewhere at the same time. A transform that fails on an image skips that image with the
 * reason.
 */
public final class DataVecAugmentation {
    private DataVecAugmentation() {
    }

    /**
     * @param transform any DataVec image transform, e.g. {@code new FlipImageTransform(1)}, or a
     *     {@code PipelineImageTransform} of several with probabilities and a seed
     * @return the augmentation; its {@code toString()} names the transforms, their settings and the pipeline
     *     seed, so it keys the feature cache
     */
    public static Augmentation of(ImageTransform transform) {
        Objects.requireNonNull(transform, "transform");
        Object lock = new Object();
        return Augmentation.of("datavec " + describe(transform), (img, rnd) -> {
            synchronized (lock) {
                ImageWritable in = toWritable(img);
                try {
                    return toImage(apply(transform, in, rnd));
                } finally {
                    in.getFrame().close(); // its native copy of the pixels; the result was copied out above
                }
            }
        });
    }

    private static ImageWritable apply(ImageTransform t, ImageWritable in, Random rnd) throws IOException {
        if (t instanceof PipelineImageTransform p) {
            return pipeline(p, in, rnd);
        }
        ImageWritable out;
        try {
            out = t.transform(in, rnd);
        } catch (RuntimeException e) {
            throw new IOException("DataVec " + t.getClass().getSimpleName() + " failed: " + e, e);
        }
        if (out == null || out.getFrame() == null) {
            throw new IOException("DataVec " + t.getClass().getSimpleName() + " returned no image");
        }
        return out;
    }

    private static ImageWritable pipeline(PipelineImageTransform p, ImageWritable in, Random rnd) throws IOException {
        Random r = new Random(rnd.nextLong() ^ (pipelineSeed(p) * 0x9E3779B97F4A7C15L));
        List<Pair<ImageTransform, Double>> steps = new ArrayList<>(p.getImageTransforms());
        if (p.isShuffle()) {
            Collections.shuffle(steps, r);
        }
        ImageWritable img = in;
        for (Pair<ImageTransform, Double> step : steps) {
            double probability = step.getSecond() == null ? 1 : step.getSecond();
            if (probability >= 1 || r.nextDouble() < probability) {
                img = apply(step.getFirst(), img, r);
            }
        }
        return img;
    }

    private static long pipelineSeed(PipelineImageTransform p) {
        return p.getRng() == null ? 0 : p.getRng().getSeed();
    }

    /** @return the image as an 8-bit BGR frame; transparent areas white, as TransferKit's decoder does */
    static ImageWritable toWritable(BufferedImage img) {
        BufferedImage bgr = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = bgr.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.drawImage(img, 0, 0, null);
        } finally {
            g.dispose();
        }
        try (Java2DFrameConverter c = new Java2DFrameConverter()) {
            return new ImageWritable(c.convert(bgr).clone());
        }
    }

    /** @return a copy of the frame's pixels as an image (the frame may be a transform's reused buffer) */
    static BufferedImage toImage(ImageWritable w) throws IOException {
        Frame f = w.getFrame();
        if (f.imageDepth != Frame.DEPTH_UBYTE) {
            throw new IOException("the DataVec transform returned a frame of depth " + f.imageDepth
                    + "; expected 8-bit pixels (" + Frame.DEPTH_UBYTE + ")");
        }
        try (Java2DFrameConverter c = new Java2DFrameConverter()) {
            BufferedImage out = c.convert(f);
            if (out == null) {
                throw new IOException("the DataVec transform returned a frame of " + f.imageChannels
                        + " channels, which is not an image");
            }
            return Java2DFrameConverter.cloneBufferedImage(out);
        }
    }

    static String describe(ImageTransform t) {
        if (t instanceof PipelineImageTransform p) {
            return "pipeline(seed " + pipelineSeed(p) + (p.isShuffle() ? ", shuffled" : "") + ": "
                    + p.getImageTransforms().stream()
                            .map(s -> describe(s.getFirst()) + " p=" + s.getSecond())
                            .collect(Collectors.joining(", ")) + ")";
        }
        String s = t.toString();
        boolean objectDefault = s.equals(t.getClass().getName() + "@" + Integer.toHexString(t.hashCode()));
        return objectDefault ? t.getClass().getSimpleName() : s;
    }
}
