package org.transferkit.model;

/**
 * The image size a network takes, channels first (DL4J's NCHW).
 *
 * @param channels colour channels (3 for RGB)
 * @param height rows
 * @param width columns
 */
public record InputShape(int channels, int height, int width) {
    /** @throws IllegalArgumentException if a dimension is not positive or channels is not 1 or 3 */
    public InputShape {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("height and width must be >= 1, got " + height + "x" + width);
        }
    }

    /** @return the number of values in one image: channels × height × width */
    public int size() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
