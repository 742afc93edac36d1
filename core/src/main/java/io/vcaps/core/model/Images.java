package io.vcaps.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Moves image batches between vcaps' flat HWC rows and the NCHW tensors DL4J's convolution layers use. */
public final class Images {

    private Images() {
    }

    /** [B, H*W*C] -> [B, C, H, W]. */
    public static INDArray toNchw(INDArray flat, ImageShape shape) {
        INDArray hwc = flat.reshape('c', flat.size(0), shape.height(), shape.width(), shape.channels());
        return shape.channels() == 1 ? hwc.reshape('c', flat.size(0), 1, shape.height(), shape.width())
                : hwc.permute(0, 3, 1, 2).dup('c');
    }

    /** [B, C, H, W] (or already flat) -> [B, H*W*C]. */
    public static INDArray toFlat(INDArray images, ImageShape shape) {
        if (images.rank() == 2) {
            return images;
        }
        INDArray hwc = shape.channels() == 1 ? images : images.permute(0, 2, 3, 1);
        return hwc.dup('c').reshape('c', images.size(0), shape.pixels());
    }
}
