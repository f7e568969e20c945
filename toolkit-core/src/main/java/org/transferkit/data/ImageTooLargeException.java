package org.transferkit.data;

import java.io.IOException;

/**
 * An image whose header declares more pixels than the decoder's cap (a likely decompression bomb). Thrown
 * before any pixel memory is allocated or any pixel data decoded. The message names the declared size and
 * the cap.
 */
public final class ImageTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long pixels;
    private final long maxPixels;

    /**
     * @param width declared width
     * @param height declared height
     * @param maxPixels the cap it passes
     */
    public ImageTooLargeException(long width, long height, long maxPixels) {
        super("image declares " + width + "x" + height + " = " + width * height + " pixels, more than the cap of "
                + maxPixels + " pixels");
        this.pixels = width * height;
        this.maxPixels = maxPixels;
    }

    /** @return the pixel count the header declares */
    public long pixels() {
        return pixels;
    }

    /** @return the cap that was passed */
    public long maxPixels() {
        return maxPixels;
    }
}
