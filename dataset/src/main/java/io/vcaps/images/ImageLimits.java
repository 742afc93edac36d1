package io.vcaps.images;

import io.vcaps.core.vcn.ImageShape;

/**
 * The limits on an image read from a file, the same for {@code vcaps etl} and for scoring on Spark
 * ({@code io.vcaps.ml}): the largest file read, the most pixels decoded, and the target shapes allowed.
 */
public final class ImageLimits {
    /** Default limit on width * height of a decoded image. */
    public static final long DEFAULT_MAX_PIXELS = 25_000_000L;
    /** Default limit on the bytes of one image file. */
    public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;
    /** The largest height or width of a target shape. */
    public static final int MAX_SIDE = 4096;

    private ImageLimits() {
    }

    /** The shape every image is converted to, checked in the terms of the command line's options. */
    public static ImageShape shape(int height, int width, int channels) {
        if (height < 1 || height > MAX_SIDE || width < 1 || width > MAX_SIDE) {
            throw new IllegalArgumentException("image height and width must be between 1 and " + MAX_SIDE + ", got "
                    + height + "x" + width);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
        }
        return new ImageShape(height, width, channels);
    }
}
