package io.vcaps.core.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

/**
 * A valid (unpadded) 2D convolution over NHWC images, as im2col plus one matrix product, followed by ReLU or by
 * squashing groups of {@code capsuleDim} channels into capsules (CapsNet's primary capsules: the output row
 * [oH, oW, P*dim] is P capsules of dim at each position). Input [batch, H*W*C], output [batch, oH*oW*F].
 */
public class FastConvolution extends CapsuleLayerConf {

    /** What follows the convolution. */
    public enum Nonlinearity { RELU, SQUASH }

    private int height;
    private int width;
    private int channels;
    private int filters;
    private int kernel;
    private int stride;
    private Nonlinearity nonlinearity;
    private int capsuleDim;

    public FastConvolution() {
    }

    public FastConvolution(int height, int width, int channels, int filters, int kernel, int stride,
            Nonlinearity nonlinearity, int capsuleDim) {
        if (height < kernel || width < kernel) {
            throw new IllegalArgumentException("a " + kernel + "x" + kernel + " kernel does not fit a " + height + "x"
                    + width + " input");
        }
        if (nonlinearity == Nonlinearity.SQUASH && (capsuleDim <= 0 || filters % capsuleDim != 0)) {
            throw new IllegalArgumentException(filters + " filters do not group into capsules of " + capsuleDim);
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.filters = filters;
        this.kernel = kernel;
        this.stride = stride;
        this.nonlinearity = nonlinearity;
        this.capsuleDim = capsuleDim;
        this.nIn = (long) height * width * channels;
        this.nOut = (long) outHeight() * outWidth() * filters;
    }

    public int outHeight() {
        return (height - kernel) / stride + 1;
    }

    public int outWidth() {
        return (width - kernel) / stride + 1;
    }

    /** Patch length: one row of the im2col matrix, ordered (channel, ky, kx). */
    public int patch() {
        return channels * kernel * kernel;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        return List.of(ParamSpec.weight("W", Math.sqrt(2.0 / patch()), patch(), filters),
                ParamSpec.bias("b", filters));
    }

    @Override
    protected BaseLayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new FastConvolutionLayer(conf, dataType);
    }

    public int getHeight() {
        return height;
    }

    public int getWidth() {
        return width;
    }

    public int getChannels() {
        return channels;
    }

    public int getFilters() {
        return filters;
    }

    public int getKernel() {
        return kernel;
    }

    public int getStride() {
        return stride;
    }

    public Nonlinearity getNonlinearity() {
        return nonlinearity;
    }

    public int getCapsuleDim() {
        return capsuleDim;
    }
}
