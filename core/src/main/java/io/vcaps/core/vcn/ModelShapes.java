package io.vcaps.core.vcn;

import io.vcaps.core.config.VcnConfig;

/**
 * The model's shape rules: which image shapes a configuration's networks can be built for. {@link Networks} builds
 * by these rules, and jobs ask {@link #check} before building, so that a bad shape is named in the configuration's
 * terms rather than by a layer deep inside DL4J.
 */
public final class ModelShapes {

    /** How much the conv generator upsamples each side: two transposed convolutions of stride 2. */
    public static final int GENERATOR_UPSAMPLING = 4;
    /** Kernel, stride and padding of each of D's strided convolutions. */
    public static final int DISCRIMINATOR_KERNEL = 4, DISCRIMINATOR_STRIDE = 2, DISCRIMINATOR_PADDING = 1;

    private ModelShapes() {
    }

    /** Whether the conv generator can decode images of this shape: both sides divisible by its upsampling. */
    public static boolean convGeneratorFits(ImageShape shape) {
        return shape.height() % GENERATOR_UPSAMPLING == 0 && shape.width() % GENERATOR_UPSAMPLING == 0;
    }

    /** One side of a convolution's output. */
    public static int convolvedSide(int side, int kernel, int stride, int padding) {
        return (side + 2 * padding - kernel) / stride + 1;
    }

    /**
     * Fails with a message naming the shape and the configuration key that does not fit it; the message reads after
     * "dataset D has " (jobs put it there).
     */
    public static void check(VcnConfig config, ImageShape shape) {
        VcnConfig.Encoder e = config.encoder();
        int k = e.conv1Kernel();
        if (shape.height() < k || shape.width() < k) {
            throw new IllegalArgumentException(shape + " images, smaller than conv1's " + k + "x" + k
                    + " kernel (vcaps.model.conv1.kernel)");
        }
        int h = convolvedSide(shape.height(), k, 1, 0);
        int w = convolvedSide(shape.width(), k, 1, 0);
        if (h < e.primaryKernel() || w < e.primaryKernel()) {
            throw new IllegalArgumentException(shape + " images: conv1 leaves " + h + "x" + w
                    + ", smaller than the primary capsules' " + e.primaryKernel() + "x" + e.primaryKernel()
                    + " kernel (vcaps.model.primary.kernel)");
        }
        if (config.generator().kind().equals("conv") && !convGeneratorFits(shape)) {
            throw new IllegalArgumentException(shape + " images, but the conv generator upsamples"
                    + " x4 and needs height and width divisible by 4 (resize in vcaps etl, or set"
                    + " vcaps.model.generator.kind = dense)");
        }
        int d = Math.min(shape.height(), shape.width());
        for (int layer = 0; layer < config.discriminator().channels().size(); layer++) {
            d = convolvedSide(d, DISCRIMINATOR_KERNEL, DISCRIMINATOR_STRIDE, DISCRIMINATOR_PADDING);
            if (d < 1) {
                throw new IllegalArgumentException(shape + " images, too small for "
                        + config.discriminator().channels().size() + " strided discriminator convolutions"
                        + " (vcaps.model.discriminator.channels)");
            }
        }
    }
}
