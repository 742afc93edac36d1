package io.vcaps.etl;

import java.io.Serializable;

/** The height, width and channels (1 = grey, 3 = RGB) every image of a dataset is converted to. */
public record ImageShape(int height, int width, int channels) implements Serializable {
    /** The largest height or width accepted. */
    public static final int MAX_SIDE = 4096;

    public ImageShape {
        if (height < 1 || height > MAX_SIDE || width < 1 || width > MAX_SIDE) {
            throw new IllegalArgumentException("image height and width must be between 1 and " + MAX_SIDE + ", got " + height + "x" + width);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
        }
    }

    /** Bytes of one image: height * width * channels. */
    public int bytes() {
        return height * width * channels;
    }
}
