package io.vcaps.core.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The geometry of a k x k, stride s, padding p convolution over NHWC images, and the moves between an image batch
 * and its patch matrix [B*oH*oW, k*k*C] (rows ordered (ky, kx, channel)). In NHWC that order makes each kernel
 * row of a patch one contiguous run of k*C input values, so float32 batches are moved by a Java kernel that copies
 * runs per image on the kernel threads; other types (float64 for gradient checks) go through libnd4j's im2col and
 * col2im on permuted views, which give the same matrix but measured 10-40x slower on float32 here.
 */
public record Patches(int height, int width, int channels, int kernel, int stride, int padding) {

    /** Per thread: one padded image, one patch row. */
    private static final ThreadArrays SCRATCH = new ThreadArrays(2, 0);

    public int outHeight() {
        return (height + 2 * padding - kernel) / stride + 1;
    }

    public int outWidth() {
        return (width + 2 * padding - kernel) / stride + 1;
    }

    public int patch() {
        return channels * kernel * kernel;
    }

    public long rows(long batch) {
        return batch * outHeight() * outWidth();
    }

    /** The shape of the patch buffer, [B*oH*oW, k*k*C]. */
    public long[] bufferShape(long batch) {
        return new long[]{rows(batch), patch()};
    }

    /** The patch buffer seen as [B, oH, oW, k, k, C]. */
    private INDArray sixD(INDArray patches, long batch) {
        return patches.reshape('c', batch, outHeight(), outWidth(), kernel, kernel, channels);
    }

    /** Fills {@code patches} (shape {@link #bufferShape}) from the flat NHWC batch {@code images}. */
    public void im2col(INDArray images, INDArray patches) {
        if (javaKernel(images, patches)) {
            im2colFloat(images, patches);
        } else {
            im2colLibnd4j(images, patches);
        }
    }

    /** Sums {@code patches} back into the flat NHWC batch {@code images} (overwritten). */
    public void col2im(INDArray patches, INDArray images) {
        if (javaKernel(images, patches)) {
            col2imFloat(patches, images);
        } else {
            col2imLibnd4j(patches, images);
        }
    }

    public static boolean javaKernel(INDArray images, INDArray patches) {
        return images.dataType() == DataType.FLOAT && patches.dataType() == DataType.FLOAT
                && HostView.contiguous(images) && HostView.contiguous(patches);
    }

    public void im2colLibnd4j(INDArray images, INDArray patches) {
        Convolution.im2col(nchw(images), kernel, kernel, stride, stride, padding, padding, 1, 1, false,
                sixD(patches, images.size(0)).permute(0, 5, 3, 4, 1, 2));
    }

    public void col2imLibnd4j(INDArray patches, INDArray images) {
        images.assign(0);
        Convolution.col2im(sixD(patches, images.size(0)).permute(0, 5, 3, 4, 1, 2),
                nchw(images), stride, stride, padding, padding, height, width, 1, 1);
    }

    private INDArray nchw(INDArray flat) {
        return images(flat).permute(0, 3, 1, 2);
    }

    /** A flat batch of the convolved images [B, H*W*C] as the NHWC array [B, H, W, C] it is. */
    public INDArray images(INDArray flat) {
        return flat.reshape('c', flat.size(0), height, width, channels);
    }

    /** {@code batch} images' values at the patch positions, depth {@code depth} each, as NHWC [B, oH, oW, depth]. */
    public INDArray grid(INDArray values, long batch, long depth) {
        return values.reshape('c', batch, outHeight(), outWidth(), depth);
    }

    public void im2colFloat(INDArray images, INDArray patches) {
        moveFloat(images, patches, true);
    }

    public void col2imFloat(INDArray patches, INDArray images) {
        moveFloat(images, patches, false);
    }

    /**
     * One image per task, held with its zero padding around it, so that each kernel row of a patch is one plain
     * copy: patches gathered out of it, or summed back into it and its interior written out.
     */
    private void moveFloat(INDArray images, INDArray patches, boolean toPatches) {
        FloatBuffer imageBuffer = images.data().asNioFloat();
        FloatBuffer patchBuffer = patches.data().asNioFloat();
        int paddedWidth = width + 2 * padding;
        int line = width * channels;
        int run = kernel * channels;
        int patch = patch();
        long rowsPerImage = (long) outHeight() * outWidth();
        KernelThreads.forEachImage(Math.toIntExact(images.size(0)), b -> {
            int paddedSize = (height + 2 * padding) * paddedWidth * channels;
            float[] padded = SCRATCH.floats(0, paddedSize);
            float[] row = SCRATCH.floats(1, patch);
            if (padding > 0 || !toPatches) {
                Arrays.fill(padded, 0, paddedSize, 0f);
            }
            FloatBuffer imageView = imageBuffer.duplicate();
            FloatBuffer patchView = patchBuffer.duplicate();
            long imageAt = images.offset() + (long) b * height * line;
            long rowAt = patches.offset() + b * rowsPerImage * patch;
            if (toPatches) {
                for (int y = 0; y < height; y++) {
                    imageView.get(Math.toIntExact(imageAt + (long) y * line), padded,
                            ((y + padding) * paddedWidth + padding) * channels, line);
                }
            }
            for (int oy = 0; oy < outHeight(); oy++) {
                for (int ox = 0; ox < outWidth(); ox++, rowAt += patch) {
                    if (!toPatches) {
                        patchView.get(Math.toIntExact(rowAt), row, 0, patch);
                    }
                    for (int ky = 0; ky < kernel; ky++) {
                        int at = ((oy * stride + ky) * paddedWidth + ox * stride) * channels;
                        if (toPatches) {
                            System.arraycopy(padded, at, row, ky * run, run);
                        } else {
                            for (int i = 0, from = ky * run; i < run; i++) {
                                padded[at + i] += row[from + i];
                            }
                        }
                    }
                    if (toPatches) {
                        patchView.put(Math.toIntExact(rowAt), row, 0, patch);
                    }
                }
            }
            if (!toPatches) {
                for (int y = 0; y < height; y++) {
                    imageView.put(Math.toIntExact(imageAt + (long) y * line), padded,
                            ((y + padding) * paddedWidth + padding) * channels, line);
                }
            }
        });
    }
}
