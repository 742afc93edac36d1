package io.vcaps.core.layers;

import io.vcaps.core.kernels.Patches;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

/**
 * A 2D convolution over NHWC images as im2col plus one matrix product, then a {@link Nonlinearity} (ReLU for
 * conv1, squash for CapsNet's primary capsules, whose output row [oH, oW, P*dim] is P capsules of dim at each
 * position). Input [batch, H*W*C], output [batch, oH*oW*F].
 */
public class NhwcConvolution extends KernelLayerConf {

    private int height;
    private int width;
    private int channels;
    private int filters;
    private int kernel;
    private int stride;
    private int padding;
    private Nonlinearity nonlinearity;
    private int capsuleDim;

    public NhwcConvolution() {
    }

    /** @param capsuleDim channels per capsule for {@link Nonlinearity#SQUASH}; ignored otherwise */
    public NhwcConvolution(int height, int width, int channels, int filters, int kernel, int stride, int padding,
            Nonlinearity nonlinearity, int capsuleDim) {
        if (height + 2 * padding < kernel || width + 2 * padding < kernel) {
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
        this.padding = padding;
        this.nonlinearity = nonlinearity;
        this.capsuleDim = capsuleDim;
        this.nIn = (long) height * width * channels;
        this.nOut = (long) outHeight() * outWidth() * filters;
    }

    Patches patches() {
        return new Patches(height, width, channels, kernel, stride, padding);
    }

    public int outHeight() {
        return patches().outHeight();
    }

    public int outWidth() {
        return patches().outWidth();
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        int patch = patches().patch();
        return List.of(ParamSpec.weight("W", Math.sqrt(2.0 / patch), patch, filters), ParamSpec.bias("b", filters));
    }

    @Override
    protected BaseLayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new NhwcConvolutionLayer(conf, dataType);
    }

    public int getFilters() {
        return filters;
    }

    public Nonlinearity getNonlinearity() {
        return nonlinearity;
    }

    public int getCapsuleDim() {
        return capsuleDim;
    }
}
