package io.vcaps.core.layers;

import io.vcaps.core.kernels.ConvolutionPaths;
import io.vcaps.core.kernels.DirectConvolution;
import io.vcaps.core.kernels.Patches;
import io.vcaps.core.kernels.TapConvolution;
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

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In float32, the precision the model trains in, the direct convolution path (libnd4j's ops, oneDNN's kernels)
 * gives the outputs, parameter gradients and input gradients of the im2col path, for the layer kinds of the
 * encoder (ReLU convolution, strided squashed primary capsules) and of the generator (transposed convolutions, a
 * padded sigmoid convolution), and so does {@link TapConvolution} where auto picks it. Both paths are
 * gradient-checked in float64 by {@link KernelLayersGradientTest}.
 */
class DirectConvolutionTest {

    private static List<INDArray> run(String path, long inputSize, int batch, Layer... layers) {
        return run(path, true, inputSize, batch, layers);
    }

    /** Output, parameter gradient and input gradient (null when the first layer was told it is not needed). */
    private static List<INDArray> run(String path, boolean inputGradient, long inputSize, int batch, Layer... layers) {
        return ConvolutionPaths.onPath(path, () -> {
            NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                    .seed(5).dataType(DataType.FLOAT).updater(new NoOp()).miniBatch(false).list();
            for (Layer layer : layers) {
                list.layer(layer);
            }
            MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(inputSize)).build());
            net.init();
            Nd4j.getRandom().setSeed(17);
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, inputSize);
            INDArray out = net.output(x, true).dup();
            INDArray projection = Nd4j.randn(DataType.FLOAT, out.shape());
            ((KernelLayer<?>) net.getLayer(0)).setInputGradient(inputGradient);
            net.setInput(x);
            net.feedForward(true, false);
            Pair<Gradient, INDArray> grads = net.backpropGradient(projection, LayerWorkspaceMgr.noWorkspaces());
            INDArray dx = grads.getSecond() == null ? null : grads.getSecond().dup();
            return Arrays.asList(out, grads.getFirst().gradient().dup(), dx);
        });
    }

    private static void assertPathsAgree(String what, long inputSize, int batch, Layer... layers) {
        assertAgree(what, run("direct", inputSize, batch, layers), run("im2col", inputSize, batch, layers), 3);
    }

    private static void assertAgree(String what, List<INDArray> direct, List<INDArray> im2col, int count) {
        String[] names = {"output", "parameter gradient", "input gradient"};
        for (int i = 0; i < count; i++) {
            INDArray a = direct.get(i);
            INDArray b = im2col.get(i);
            double scale = Math.max(1e-3, b.amaxNumber().doubleValue());
            double worst = a.sub(b).amaxNumber().doubleValue() / scale;
            assertTrue(worst < 1e-4, what + ": " + names[i] + " differs by " + worst + " of its largest value");
            assertTrue(b.amaxNumber().doubleValue() > 0, what + ": " + names[i] + " is all zero");
        }
    }

    @Test
    void encoderConvolutionsAgree() {
        NhwcConvolution primary = new NhwcConvolution(8, 8, 6, 16, 3, 2, 0, Nonlinearity.SQUASH, 4);
        assertPathsAgree("conv1 + primary capsules", 12 * 12 * 3, 5,
                new NhwcConvolution(12, 12, 3, 6, 5, 1, 0, Nonlinearity.RELU, 0), primary);
    }

    @Test
    void generatorConvolutionsAgree() {
        assertPathsAgree("deconv, deconv, conv", 4 * 4 * 8, 3,
                new NhwcDeconvolution(4, 4, 8, 6, 4, 2, 1, Nonlinearity.RELU),
                new NhwcDeconvolution(8, 8, 6, 4, 4, 2, 1, Nonlinearity.RELU),
                new NhwcConvolution(16, 16, 4, 1, 3, 1, 1, Nonlinearity.SIGMOID, 0));
    }

    /** Left to auto, the generator's last convolution runs forward by {@link TapConvolution}: the same numbers. */
    @Test
    void theGeneratorsTapConvolutionAgreesWithTheDirectPath() {
        Layer[] layers = {new NhwcDeconvolution(4, 4, 8, 6, 4, 2, 1, Nonlinearity.RELU),
                new NhwcConvolution(8, 8, 6, 1, 3, 1, 1, Nonlinearity.SIGMOID, 0)};
        assertTrue(TapConvolution.chosen(new Patches(8, 8, 6, 3, 1, 1), 1, Nd4j.create(DataType.FLOAT, 3, 8 * 8 * 6),
                Nd4j.create(DataType.FLOAT, 3 * 8 * 8, 1)));
        assertAgree("deconv, tap conv", run("auto", 4 * 4 * 8, 3, layers), run("direct", 4 * 4 * 8, 3, layers), 3);
    }

    /** conv1 told its input gradient is not needed (training the encoder on data) skips it on both paths. */
    @Test
    void aFirstLayerWithoutInputGradientGivesTheSameParameterGradients() {
        long inputSize = 12 * 12 * 3;
        for (String path : List.of("direct", "im2col")) {
            Layer[] layers = {new NhwcConvolution(12, 12, 3, 6, 5, 1, 0, Nonlinearity.RELU, 0),
                    new NhwcConvolution(8, 8, 6, 16, 3, 2, 0, Nonlinearity.SQUASH, 4)};
            List<INDArray> with = run(path, true, inputSize, 5, layers);
            List<INDArray> without = run(path, false, inputSize, 5, layers);
            assertNull(without.get(2), path + ": the input gradient was computed");
            assertAgree(path + " without the input gradient", without, with, 2);
        }
    }

    @Test
    void autoConvolvesNarrowInputsDirectlyAndABadChoiceIsNamed() {
        assertTrue(DirectConvolution.chosen(DirectConvolution.MAX_DIRECT_CHANNELS));
        assertFalse(DirectConvolution.chosen(DirectConvolution.MAX_DIRECT_CHANNELS + 1));
        IllegalArgumentException e = ConvolutionPaths.onPath("fastest",
                () -> assertThrows(IllegalArgumentException.class, () -> DirectConvolution.chosen(1)));
        assertEquals("-Dvcaps.convolution=fastest: expected auto, direct or im2col", e.getMessage());
    }
}
