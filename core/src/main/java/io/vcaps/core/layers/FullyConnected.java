package io.vcaps.core.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

/**
 * A fully connected layer, out = f(x W + b), W [nIn, nOut] row-major. DL4J 1.0.0-M2.1's {@code DenseLayer} does the
 * same through {@code INDArray.mmuli}, which computes into a temporary column-major array and copies it back:
 * 8 ms for G's first layer on 128 images, against 1 ms for the one sgemm this layer runs.
 */
public class FullyConnected extends KernelLayerConf {

    private Nonlinearity nonlinearity;
    private double weightStd;

    public FullyConnected() {
    }

    /** @param weightStd the standard deviation of W's normal start */
    public FullyConnected(long nIn, long nOut, Nonlinearity nonlinearity, double weightStd) {
        if (nonlinearity == Nonlinearity.SQUASH) {
            throw new IllegalArgumentException("a dense layer does not squash");
        }
        this.nIn = nIn;
        this.nOut = nOut;
        this.nonlinearity = nonlinearity;
        this.weightStd = weightStd;
    }

    /** He's start, std sqrt(2 / nIn), for a layer followed by a ReLU. */
    public static FullyConnected he(long nIn, long nOut, Nonlinearity nonlinearity) {
        return new FullyConnected(nIn, nOut, nonlinearity, Math.sqrt(2.0 / nIn));
    }

    /** Glorot's start, std sqrt(2 / (nIn + nOut)). */
    public static FullyConnected glorot(long nIn, long nOut, Nonlinearity nonlinearity) {
        return new FullyConnected(nIn, nOut, nonlinearity, Math.sqrt(2.0 / (nIn + nOut)));
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        return List.of(ParamSpec.weight("W", weightStd, nIn, nOut), ParamSpec.bias("b", nOut));
    }

    @Override
    protected BaseLayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new FullyConnectedLayer(conf, dataType);
    }

    public Nonlinearity getNonlinearity() {
        return nonlinearity;
    }
}
