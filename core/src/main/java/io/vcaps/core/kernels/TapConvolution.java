package io.vcaps.core.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The forward pass of a stride-1 convolution to a few filters (the generator's last layer: c2 channels to the
 * image's 1 or 3) in two steps: one sgemm into tap space, Y [k*k*F, B*H*W] = W'^T [k*k*F, C] X^T [C, B*H*W], where
 * Y holds every input pixel's contribution to every tap (ky, kx, f); then out[b, y, x, f] = bias[f] plus the sum
 * over taps of Y at input pixel (y + ky - p, x + kx - p), skipping taps that fall in the padding. oneDNN's kernels
 * vectorise over filters and first reorder the NHWC input to a blocked layout, both of which a single filter
 * wastes: for 16 channels to 1 on 28x28, 64 images on one thread, they took 1.7-2.5 ms, this 0.7 ms
 * (docs/BENCHMARKS.md). The backward pass stays with {@link DirectConvolution}: it does not depend on how the
 * output was computed.
 */
public final class TapConvolution {

    /** The most filters convolved this way; wider outputs suit oneDNN's vectorisation over filters. */
    public static final int MAX_FILTERS = 4;

    /** Per thread: a sum plane per filter, one shifted tap plane, the interleaved output of one image. */
    private static final ThreadArrays SCRATCH = new ThreadArrays(MAX_FILTERS + 2, 0);

    private TapConvolution() {
    }

    /**
     * Whether {@code auto} convolves {@code x} this way: stride 1, an output no larger than the input (padding at
     * most "same"), at most {@link #MAX_FILTERS}, float32, and inputs narrow enough for the direct backward pass
     * (which, unlike im2col's, needs nothing kept from the forward).
     */
    public static boolean chosen(Patches p, int filters, INDArray x, INDArray out) {
        return DirectConvolution.auto() && DirectConvolution.chosen(p.channels()) && p.stride() == 1
                && 2 * p.padding() < p.kernel() && filters <= MAX_FILTERS && Patches.javaKernel(x, out);
    }

    /**
     * out [B*oH*oW, F] = conv(x [B, H*W*C], W [k*k*C, F]) + b, for stride 1; {@code taps} a c-order buffer
     * [k*k*F, B*H*W] of x's type.
     */
    public static void forward(INDArray x, INDArray w, INDArray b, INDArray out, INDArray taps, Patches p) {
        int k = p.kernel();
        int channels = p.channels();
        int filters = Math.toIntExact(w.size(1));
        int tapCount = k * k * filters;
        int batch = Math.toIntExact(x.size(0));
        long pixels = (long) batch * p.height() * p.width();
        // W' [C, (ky, kx, f)] from W [(ky, kx, c), f]: a few hundred values.
        INDArray wTaps = w.reshape('c', k * k, channels, filters).permute(1, 0, 2).dup('c')
                .reshape('c', channels, tapCount);
        Nd4j.gemm(wTaps, x.reshape('c', pixels, channels), taps, true, true, 1.0, 0.0);
        float[] bias = b.toFloatVector();
        sumTaps(taps, out, bias, batch, p, filters);
    }

    /**
     * out[b, y, x, f] = bias[f] + sum over in-range taps of Y[(ky, kx, f), b, y + ky - p, x + kx - p]. Per image and
     * tap, the tap's plane is read shifted by (ky - p) rows and (kx - p) columns straight into a scratch row-major
     * plane of the image's own width, so that one tap is one run over all output pixels; the columns whose tap falls
     * left or right of the image, which the shift wraps to the row before or after, are cleared. The add then
     * indexes both arrays alike, which C2 vectorises (it cannot prove arrays at different offsets do not overlap).
     */
    private static void sumTaps(INDArray taps, INDArray out, float[] bias, int batch, Patches p, int filters) {
        FloatBuffer tapBuffer = taps.data().asNioFloat();
        FloatBuffer outBuffer = out.data().asNioFloat();
        int height = p.height();
        int width = p.width();
        int k = p.kernel();
        int pad = p.padding();
        int outHeight = p.outHeight();
        int outWidth = p.outWidth();
        int imagePixels = height * width;
        long tapStride = (long) batch * imagePixels;
        int outPerImage = outHeight * outWidth * filters;
        KernelThreads.forEachImage(batch, image -> {
            float[] shifted = SCRATCH.floats(MAX_FILTERS, imagePixels);
            float[] interleaved = SCRATCH.floats(MAX_FILTERS + 1, outPerImage);
            FloatBuffer tapView = tapBuffer.duplicate();
            for (int f = 0; f < filters; f++) {
                float[] sum = SCRATCH.floats(f, imagePixels);
                Arrays.fill(sum, 0, imagePixels, bias[f]);
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        int shift = (ky - pad) * width + kx - pad;
                        int from = Math.max(Math.max(0, pad - ky) * width, -shift);
                        int to = Math.min(Math.min(outHeight, height + pad - ky) * width, imagePixels - shift);
                        if (from >= to) {
                            continue;
                        }
                        long plane = taps.offset() + ((ky * k + kx) * filters + f) * tapStride
                                + (long) image * imagePixels;
                        tapView.get(Math.toIntExact(plane + from + shift), shifted, from, to - from);
                        clearWrapped(shifted, from, to, width, kx - pad);
                        for (int i = from; i < to; i++) {
                            sum[i] += shifted[i];
                        }
                    }
                }
                for (int oy = 0; oy < outHeight; oy++) {
                    for (int ox = 0; ox < outWidth; ox++) {
                        interleaved[(oy * outWidth + ox) * filters + f] = sum[oy * width + ox];
                    }
                }
            }
            outBuffer.duplicate().put(Math.toIntExact(out.offset() + (long) image * outPerImage), interleaved, 0,
                    outPerImage);
        });
    }

    /** Zeroes, in [from, to) of a row-major plane, the columns that a shift of {@code dx} columns took from outside. */
    private static void clearWrapped(float[] plane, int from, int to, int width, int dx) {
        if (dx == 0) {
            return;
        }
        int first = dx < 0 ? 0 : width - dx;
        int count = Math.abs(dx);
        for (int row = from / width * width; row < to; row += width) {
            int lo = Math.max(from, row + first);
            int hi = Math.min(to, row + first + count);
            if (lo < hi) {
                Arrays.fill(plane, lo, hi, 0f);
            }
        }
    }
}
