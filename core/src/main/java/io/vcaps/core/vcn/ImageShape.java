package io.vcaps.core.vcn;

import java.io.Serializable;

/** Height, width and channels of the images a model reads and writes; pixels are row-major HWC. */
public record ImageShape(int height, int width, int channels) implements Serializable {

    public ImageShape {
        if (height <= 0 || width <= 0 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("bad image shape " + height + "x" + width + "x" + channels
                    + " (channels must be 1 or 3)");
        }
    }

    public int pixels() {
        return height * width * channels;
    }

    @Override
    public String toString() {
        return height + "x" + width + "x" + channels;
    }
}
