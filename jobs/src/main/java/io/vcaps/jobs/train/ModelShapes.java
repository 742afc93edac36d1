package io.vcaps.jobs.train;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.model.ImageShape;
import io.vcaps.spark.JobFailure;

/** Whether a configuration can be built for a dataset's image shape, said in the configuration's terms. */
public final class ModelShapes {

    private ModelShapes() {
    }

    /** Fails with a message naming the shape and the configuration key that does not fit it. */
    public static void check(VcnConfig config, ImageShape shape, String dataset) {
        VcnConfig.Encoder e = config.encoder();
        int k = e.conv1Kernel();
        if (shape.height() < k || shape.width() < k) {
            throw new JobFailure("dataset " + dataset + " has " + shape + " images, smaller than conv1's " + k + "x"
                    + k + " kernel (vcaps.model.conv1.kernel)");
        }
        int h = shape.height() - k + 1;
        int w = shape.width() - k + 1;
        if (h < e.primaryKernel() || w < e.primaryKernel()) {
            throw new JobFailure("dataset " + dataset + " has " + shape + " images: conv1 leaves " + h + "x" + w
                    + ", smaller than the primary capsules' " + e.primaryKernel() + "x" + e.primaryKernel()
                    + " kernel (vcaps.model.primary.kernel)");
        }
        if (config.generator().kind().equals("conv") && (shape.height() % 4 != 0 || shape.width() % 4 != 0)) {
            throw new JobFailure("dataset " + dataset + " has " + shape + " images, but the conv generator upsamples"
                    + " x4 and needs height and width divisible by 4 (resize in vcaps etl, or set"
                    + " vcaps.model.generator.kind = dense)");
        }
        int d = Math.min(shape.height(), shape.width());
        for (int layer = 0; layer < config.discriminator().channels().size(); layer++) {
            d = (d + 2 - 4) / 2 + 1;
            if (d < 1) {
                throw new JobFailure("dataset " + dataset + " has " + shape + " images, too small for "
                        + config.discriminator().channels().size() + " strided discriminator convolutions"
                        + " (vcaps.model.discriminator.channels)");
            }
        }
    }
}
