package io.vcaps.core.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;

/**
 * The geometry of a k x k, stride s, padding p convolution over NHWC images, and the moves between an image batch
 * and its patch matrix [B*oH*oW, C*k*k] (rows ordered (channel, ky, kx)). libnd4j's im2col and col2im work in
 * NCHW with [B, C, k, k, oH, oW] patches; both are handed permuted views, so neither the images nor the patch
 * matrix is ever copied into another layout.
 */
record Patches(int height, int width, int channels, int kernel, int stride, int padding) {

    int outHeight() {
        return (height + 2 * padding - kernel) / stride + 1;
    }

    int outWidth() {
        return (width + 2 * padding - kernel) / stride + 1;
    }

    int patch() {
        return channels * kernel * kernel;
    }

    long rows(long batch) {
        return batch * outHeight() * outWidth();
    }

    /** The shape of the patch buffer, [B, oH, oW, C, k, k]. */
    long[] bufferShape(long batch) {
        return new long[]{batch, outHeight(), outWidth(), channels, kernel, kernel};
    }

    /** Fills {@code patches} (shape {@link #bufferShape}) from the flat NHWC batch {@code images}. */
    void im2col(INDArray images, INDArray patches) {
        Convolution.im2col(nchw(images), kernel, kernel, stride, stride, padding, padding, 1, 1, false,
                patches.permute(0, 3, 4, 5, 1, 2));
    }

    /** Sums {@code patches} back into the flat NHWC batch {@code images} (overwritten). */
    void col2im(INDArray patches, INDArray images) {
        Convolution.col2im(patches.permute(0, 3, 4, 5, 1, 2), nchw(images), stride, stride, padding, padding,
                height, width, 1, 1);
    }

    private INDArray nchw(INDArray flat) {
        return flat.reshape('c', flat.size(0), height, width, channels).permute(0, 3, 1, 2);
    }
}
