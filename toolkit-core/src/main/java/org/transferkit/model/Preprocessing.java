package org.transferkit.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How pixels become network input, as the backbone's weights expect it: resize policy, channel order,
 * then per channel {@code value = (pixel * scale - mean[c]) / std[c]} with pixels in 0..255.
 * Immutable and thread-safe. Backbones publish theirs; users may override but never have to pick one.
 */
public final class Preprocessing {
    /** Order of the colour channels in the network input. */
    public enum ChannelOrder { RGB, BGR }

    /** How an image of any size is brought to the input size. */
    public enum Resize {
        /** Stretch to the input size, ignoring aspect ratio. */
        SQUASH,
        /** Scale the shorter side to the input size, then cut the centre. */
        CENTER_CROP,
        /** Scale the longer side to the input size and pad the rest with mid-grey, keeping everything. */
        LETTERBOX;

        /**
         * @param name {@code squash}, {@code center-crop} or {@code letterbox}, any case, - or _
         * @return the policy
         * @throws IllegalArgumentException if unknown; the message lists the valid names
         */
        public static Resize parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown resize policy '" + name
                        + "'; valid: squash, center-crop, letterbox", e);
            }
        }
    }

    private final ChannelOrder channelOrder;
    private final float scale;
    private final float[] mean;
    private final float[] std;
    private final Resize resize;

    /**
     * @param channelOrder channel order of the network input
     * @param scale factor applied to 0..255 pixels before the mean is subtracted
     * @param mean per-channel mean, in the network's channel order (1 or 3 values)
     * @param std per-channel standard deviation, in the network's channel order (1 or 3 values, all > 0)
     * @param resize resize policy
     * @throws IllegalArgumentException if mean/std lengths are not 1 or 3, differ, or a std is not positive
     */
    public Preprocessing(ChannelOrder channelOrder, float scale, float[] mean, float[] std, Resize resize) {
        this.channelOrder = Objects.requireNonNull(channelOrder, "channelOrder");
        this.resize = Objects.requireNonNull(resize, "resize");
        if (mean.length != std.length || (mean.length != 1 && mean.length != 3)) {
            throw new IllegalArgumentException("mean and std need 1 or 3 values each, got "
                    + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std values must be > 0, got " + Arrays.toString(std));
            }
        }
        if (!(scale > 0)) {
            throw new IllegalArgumentException("scale must be > 0, got " + scale);
        }
        this.scale = scale;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** @return pixels scaled to 0..1 and then to -1..1 (mean 0.5, std 0.5), RGB, squashed */
    public static Preprocessing minusOneToOne() {
        return new Preprocessing(ChannelOrder.RGB, 1f / 255f, new float[] {0.5f}, new float[] {0.5f}, Resize.SQUASH);
    }

    /** @return torchvision-style ImageNet normalization: RGB, 0..1, ImageNet mean/std, centre crop */
    public static Preprocessing imagenet() {
        return new Preprocessing(ChannelOrder.RGB, 1f / 255f, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f}, Resize.CENTER_CROP);
    }

    /** @return caffe-style: BGR, 0..255, ImageNet channel means subtracted, no scaling (VGG, ResNet50, SqueezeNet) */
    public static Preprocessing caffe() {
        return new Preprocessing(ChannelOrder.BGR, 1f, new float[] {103.939f, 116.779f, 123.68f},
                new float[] {1f, 1f, 1f}, Resize.SQUASH);
    }

    /** @return the channel order of the network input */
    public ChannelOrder channelOrder() {
        return channelOrder;
    }

    /** @return the factor applied to 0..255 pixels */
    public float scale() {
        return scale;
    }

    /** @return a copy of the per-channel means (network channel order) */
    public float[] mean() {
        return mean.clone();
    }

    /** @return a copy of the per-channel standard deviations (network channel order) */
    public float[] std() {
        return std.clone();
    }

    /** @return the resize policy */
    public Resize resize() {
        return resize;
    }

    /** @return the same preprocessing with another resize policy */
    public Preprocessing withResize(Resize newResize) {
        return new Preprocessing(channelOrder, scale, mean, std, newResize);
    }

    /**
     * Normalizes one 0..255 pixel value of network channel {@code c}.
     *
     * @param pixel 0..255
     * @param c channel index in the network's order
     * @return the normalized value
     */
    public float apply(int pixel, int c) {
        int i = mean.length == 1 ? 0 : c;
        return (pixel * scale - mean[i]) / std[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && p.channelOrder == channelOrder && p.scale == scale
                && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std) && p.resize == resize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(channelOrder, scale, Arrays.hashCode(mean), Arrays.hashCode(std), resize);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s, scale %s, mean %s, std %s, %s", channelOrder, scale,
                Arrays.toString(mean), Arrays.toString(std), resize.name().toLowerCase(Locale.ROOT));
    }
}
