package io.vcaps.core.layers;

import io.vcaps.core.GradientChecks;
import io.vcaps.core.kernels.ConvolutionPaths;
import io.vcaps.core.kernels.DirectConvolution;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Finite-difference checks, in double precision, of every hand-written backward pass: parameters and input of
 * each layer alone, then of the whole encoder stack. The loss is a fixed random projection of the output, so its
 * gradient with respect to the output is that projection. Convolutions are checked on both of their paths, direct
 * and im2col ({@link DirectConvolution}).
 */
class KernelLayersGradientTest {

    private static MultiLayerNetwork network(long inputSize, Layer... layers) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.DOUBLE).updater(new NoOp()).miniBatch(false).list();
        for (Layer layer : layers) {
            list.layer(layer);
        }
        MultiLayerConfiguration conf = list.setInputType(InputType.feedForward(inputSize)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static void checkNetwork(String what, MultiLayerNetwork net, long inputSize, int batch) {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, inputSize);
        INDArray out = net.output(x, true);
        INDArray projection = Nd4j.randn(DataType.DOUBLE, out.shape());
        net.setInput(x);
        net.feedForward(true, false);
        Pair<Gradient, INDArray> grads = net.backpropGradient(projection, LayerWorkspaceMgr.noWorkspaces());
        INDArray paramGrad = grads.getFirst().gradient().dup();
        INDArray inputGrad = grads.getSecond().dup();
        java.util.function.DoubleSupplier loss = () -> net.output(x, true).mul(projection).sumNumber().doubleValue();
        GradientChecks.check(what + " parameters", net.params(), paramGrad, loss, 150, 1);
        GradientChecks.check(what + " input", x, inputGrad, loss, 80, 2);
    }

    /** Runs {@code check} once with each convolution path forced. */
    static void onBothPaths(java.util.function.Consumer<String> check) {
        for (String path : new String[]{"direct", "im2col"}) {
            ConvolutionPaths.onPath(path, () -> {
                check.accept(path);
                return path;
            });
        }
    }

    @Test
    void convolutionWithReluHasExactGradients() {
        onBothPaths(path -> checkNetwork("conv relu, " + path, network(7 * 6 * 2,
                new NhwcConvolution(7, 6, 2, 3, 3, 1, 0, Nonlinearity.RELU, 0)), 7 * 6 * 2, 3));
    }

    @Test
    void stridedPrimaryCapsulesHaveExactGradients() {
        onBothPaths(path -> checkNetwork("primary capsules, " + path, network(9 * 9 * 3,
                new NhwcConvolution(9, 9, 3, 8, 3, 2, 0, Nonlinearity.SQUASH, 4)), 9 * 9 * 3, 2));
    }

    @Test
    void paddedConvolutionsWithLeakyReluAndSigmoidHaveExactGradients() {
        onBothPaths(path -> checkNetwork("padded conv, " + path, network(6 * 6 * 2,
                new NhwcConvolution(6, 6, 2, 3, 4, 2, 1, Nonlinearity.LEAKY_RELU, 0),
                new NhwcConvolution(3, 3, 3, 2, 3, 1, 1, Nonlinearity.SIGMOID, 0)), 6 * 6 * 2, 2));
    }

    @Test
    void transposedConvolutionHasExactGradients() {
        onBothPaths(path -> checkNetwork("transposed conv, " + path, network(3 * 3 * 3,
                new NhwcDeconvolution(3, 3, 3, 2, 4, 2, 1, Nonlinearity.LEAKY_RELU),
                new NhwcDeconvolution(6, 6, 2, 2, 4, 2, 1, Nonlinearity.SIGMOID)), 3 * 3 * 3, 2));
    }

    @Test
    void denseLayersHaveExactGradients() {
        MultiLayerNetwork net = network(6,
                FullyConnected.he(6, 5, Nonlinearity.RELU),
                FullyConnected.glorot(5, 4, Nonlinearity.SIGMOID),
                FullyConnected.glorot(4, 1, Nonlinearity.IDENTITY));
        checkNetwork("dense", net, 6, 3);
    }

    @Test
    void routingHasExactGradientsThroughEveryIteration() {
        MultiLayerNetwork net = network(12 * 4, new CapsuleRouting(12, 4, 3, 5, 3, 0.5));
        checkNetwork("routing", net, 12 * 4, 3);
    }

    @Test
    void variationalHeadsHaveExactGradients() {
        MultiLayerNetwork net = network(3 * 5, new VariationalHeads(3, 5, 2, 3.0));
        checkNetwork("variational heads", net, 3 * 5, 4);
    }

    @Test
    void wholeEncoderStackHasExactGradients() {
        NhwcConvolution primary = new NhwcConvolution(8, 8, 4, 8, 3, 2, 0, Nonlinearity.SQUASH, 4);
        int children = primary.outHeight() * primary.outWidth() * 8 / 4;
        MultiLayerNetwork net = network(10 * 10,
                new NhwcConvolution(10, 10, 1, 4, 3, 1, 0, Nonlinearity.RELU, 0),
                primary,
                new CapsuleRouting(children, 4, 3, 5, 3, 0.3),
                new VariationalHeads(3, 5, 2, 3.0));
        checkNetwork("encoder", net, 10 * 10, 2);
    }
}
