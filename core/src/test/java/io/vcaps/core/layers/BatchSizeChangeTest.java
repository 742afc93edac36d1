package io.vcaps.core.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layers keep their buffers between calls and reuse the front of a larger one for a smaller batch: a float32
 * stack that has just run a batch of 5 gives a batch of 3 the outputs and gradients a fresh copy of it gives, and
 * a batch of one image (whose axes of length 1 ND4J strides freely) is scored as in a larger batch. The routing
 * layer keeps its votes for the backward pass only in training passes, and refuses a backward pass without one.
 */
class BatchSizeChangeTest {

    /** An encoder's layers and a generator's (a transposed convolution, a sigmoid convolution to one channel). */
    static MultiLayerNetwork network() {
        NhwcConvolution primary = new NhwcConvolution(8, 8, 4, 8, 3, 2, 0, Nonlinearity.SQUASH, 4);
        int children = primary.outHeight() * primary.outWidth() * 8 / 4;
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).updater(new NoOp()).miniBatch(false).list()
                .layer(new NhwcConvolution(10, 10, 1, 4, 3, 1, 0, Nonlinearity.RELU, 0))
                .layer(primary)
                .layer(new CapsuleRouting(children, 4, 3, 5, 3, 0.3))
                .layer(new NhwcDeconvolution(1, 1, 15, 2, 4, 2, 1, Nonlinearity.LEAKY_RELU))
                .layer(new NhwcConvolution(2, 2, 2, 1, 3, 1, 1, Nonlinearity.SIGMOID, 0))
                .setInputType(InputType.feedForward(100)).build());
        net.init();
        return net;
    }

    private static Pair<INDArray, INDArray> forwardBackward(MultiLayerNetwork net, INDArray x, INDArray projection) {
        INDArray out = net.output(x, true).dup();
        net.setInput(x);
        net.feedForward(true, false);
        Pair<Gradient, INDArray> grads = net.backpropGradient(projection, LayerWorkspaceMgr.noWorkspaces());
        return new Pair<>(out, grads.getFirst().gradient().dup());
    }

    @Test
    void routingBackwardAfterAnInferencePassIsRefused() {
        Layer routing = network().getLayer(2);
        long inputs = routing.getParam("W").size(0) * routing.getParam("W").size(1);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray capsules = routing.activate(Nd4j.rand(DataType.FLOAT, 2, inputs), false, mgr);
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> routing.backpropGradient(Nd4j.onesLike(capsules), mgr));
        assertTrue(refused.getMessage().contains("training forward pass"), refused.getMessage());
    }

    @Test
    void aBatchOfOneImageRunsAndMatchesItsRowInALargerBatch() {
        MultiLayerNetwork net = network();
        Nd4j.getRandom().setSeed(6);
        INDArray four = Nd4j.rand(DataType.FLOAT, 4, 100);
        INDArray all = net.output(four).dup();
        for (int i = 0; i < 4; i++) {
            INDArray one = net.output(four.getRow(i, true).dup());
            assertTrue(all.getRow(i, true).equalsWithEps(one, 1e-5), "image " + i + " alone differs");
        }
    }

    @Test
    void aSmallerBatchAfterALargerOneGivesFreshResults() {
        MultiLayerNetwork used = network();
        MultiLayerNetwork fresh = network();
        Nd4j.getRandom().setSeed(4);
        INDArray five = Nd4j.rand(DataType.FLOAT, 5, 100);
        INDArray three = Nd4j.rand(DataType.FLOAT, 3, 100);
        long outputs = used.output(five).size(1);
        forwardBackward(used, five, Nd4j.randn(DataType.FLOAT, 5, outputs));

        INDArray projection = Nd4j.randn(DataType.FLOAT, 3, outputs);
        Pair<INDArray, INDArray> reused = forwardBackward(used, three, projection);
        Pair<INDArray, INDArray> expected = forwardBackward(fresh, three, projection);
        assertTrue(expected.getFirst().equalsWithEps(reused.getFirst(), 1e-6), "outputs differ");
        assertTrue(expected.getSecond().equalsWithEps(reused.getSecond(), 1e-5), "gradients differ");
        assertTrue(reused.getSecond().norm2Number().doubleValue() > 0, "no gradient reached the parameters");
    }
}
