package io.vcaps.dataset;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.spark.JobFailure;

/** The one conversion of a dataset's pixels (uint8, row-major HWC) to what a model reads: floats in [0, 1]. */
public final class Pixels {

    private Pixels() {
    }

    /** The first {@code count} pixels of {@code pixels} into {@code out} from {@code offset}. */
    public static void toUnit(byte[] pixels, int count, float[] out, int offset) {
        for (int i = 0; i < count; i++) {
            out[offset + i] = (pixels[i] & 0xFF) / 255f;
        }
    }

    /** Image {@code id}'s pixels into {@code out} from {@code offset}; fails unless they are {@code shape}'s. */
    public static void toUnit(String id, byte[] pixels, ImageShape shape, float[] out, int offset) {
        if (pixels.length != shape.pixels()) {
            throw new JobFailure("image " + id + " has " + pixels.length + " bytes of pixels; the model reads "
                    + shape + " = " + shape.pixels());
        }
        toUnit(pixels, shape.pixels(), out, offset);
    }
}
