package io.vcaps.core.layers;

import io.vcaps.core.kernels.Patches;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

/**
 * A transposed (upsampling) 2D convolution over NHWC images: the adjoint of a k x k, stride s, padding p
 * convolution from the output image back to the input one, so an h x w input becomes
 * ((h-1)s + k - 2p) x ((w-1)s + k - 2p). Built from the same pieces as {@link NhwcConvolution} run the other
 * way: one matrix product to patches, then col2im. Input [batch, h*w*Cin], output [batch, H*W*Cout].
 */
public class NhwcDeconvolution extends KernelLayerConf {

    private int height;
    private int width;
    private int channels;
    private int filters;
    private int kernel;
    private int stride;
    private int padding;
    private Nonlinearity nonlinearity;

    public NhwcDeconvolution() {
    }

    public NhwcDeconvolution(int height, int width, int channels, int filters, int kernel, int stride, int padding,
            Nonlinearity nonlinearity) {
        if (nonlinearity == Nonlinearity.SQUASH) {
            throw new IllegalArgumentException("a transposed convolution does not squash");
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.filters = filters;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.nonlinearity = nonlinearity;
        this.nIn = (long) height * width * channels;
        this.nOut = (long) outHeight() * outWidth() * filters;
        if (outputPatches().outHeight() != height || outputPatches().outWidth() != width) {
            throw new IllegalArgumentException("kernel " + kernel + ", stride " + stride + ", padding " + padding
                    + " do not invert exactly onto a " + height + "x" + width + " input");
        }
    }

    public int outHeight() {
        return (height - 1) * stride + kernel - 2 * padding;
    }

    public int outWidth() {
        return (width - 1) * stride + kernel - 2 * padding;
    }

    /** The convolution this layer is the transpose of: from the output image to the input one. */
    Patches outputPatches() {
        return new Patches(outHeight(), outWidth(), filters, kernel, stride, padding);
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        return List.of(ParamSpec.weight("W", Math.sqrt(2.0 / (channels * kernel * kernel / (stride * stride))),
                channels, (long) filters * kernel * kernel), ParamSpec.bias("b", filters));
    }

    @Override
    protected BaseLayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new NhwcDeconvolutionLayer(conf, dataType);
    }

    public int getChannels() {
        return channels;
    }

    public int getFilters() {
        return filters;
    }

    public Nonlinearity getNonlinearity() {
        return nonlinearity;
    }
}
