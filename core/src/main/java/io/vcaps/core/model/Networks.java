package io.vcaps.core.model;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.layers.CapsuleRouting;
import io.vcaps.core.layers.FastConvolution;
import io.vcaps.core.layers.VariationalHeads;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;

/**
 * Builds the three networks of SPEC §1 as DL4J {@code MultiLayerNetwork}s: the encoder E from vcaps' own capsule
 * layers, the generator G and discriminator D from DL4J's layers. Each is trained through external errors (the
 * losses live in {@link VariationalCapsules} and {@link Losses}), so none ends in an output layer, and
 * {@code miniBatch(false)}: the errors handed in are already means over the batch.
 */
public final class Networks {

    private Networks() {
    }

    private static NeuralNetConfiguration.ListBuilder list(long seed, DataType dataType, VcnConfig.Optimizer adam) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .miniBatch(false)
                .updater(new Adam(adam.learningRate(), adam.beta1(), adam.beta2(), 1e-8))
                .weightInit(WeightInit.RELU)
                .list();
    }

    /** E: image [B, H*W*C] -> [B, K*2*latentDim], each capsule's mu then logvar. */
    public static MultiLayerNetwork encoder(VcnConfig config, ImageShape shape, int entities, DataType dataType) {
        VcnConfig.Encoder e = config.encoder();
        FastConvolution conv1 = new FastConvolution(shape.height(), shape.width(), shape.channels(),
                e.conv1Filters(), e.conv1Kernel(), 1, FastConvolution.Nonlinearity.RELU, 0);
        FastConvolution primary = new FastConvolution(conv1.outHeight(), conv1.outWidth(), e.conv1Filters(),
                e.primaryChannels() * e.primaryDim(), e.primaryKernel(), e.primaryStride(),
                FastConvolution.Nonlinearity.SQUASH, e.primaryDim());
        int children = primary.outHeight() * primary.outWidth() * e.primaryChannels();
        MultiLayerConfiguration conf = list(config.seed(), dataType, config.encoderGenerator())
                .layer(conv1)
                .layer(primary)
                .layer(new CapsuleRouting(children, e.primaryDim(), entities, e.capsuleDim(), e.routings(),
                        e.routingWeightStd()))
                .layer(new VariationalHeads(entities, e.capsuleDim(), e.latentDim()))
                .setInputType(InputType.feedForward(shape.pixels()))
                .build();
        return init(conf);
    }

    /** G: masked capsules [B, K*latentDim] -> image; NCHW [B, C, H, W] for {@code conv}, [B, H*W*C] for {@code dense}. */
    public static MultiLayerNetwork generator(VcnConfig config, ImageShape shape, int entities, DataType dataType) {
        VcnConfig.Generator g = config.generator();
        int in = entities * config.encoder().latentDim();
        NeuralNetConfiguration.ListBuilder list = list(config.seed() + 1, dataType, config.encoderGenerator());
        if (g.kind().equals("dense")) {
            List<Integer> hidden = g.hidden();
            int previous = in;
            for (int width : hidden) {
                list.layer(new DenseLayer.Builder().nIn(previous).nOut(width).activation(Activation.RELU).build());
                previous = width;
            }
            list.layer(new DenseLayer.Builder().nIn(previous).nOut(shape.pixels()).activation(Activation.SIGMOID)
                    .weightInit(WeightInit.XAVIER).build());
            return init(list.setInputType(InputType.feedForward(in)).build());
        }
        if (shape.height() % 4 != 0 || shape.width() % 4 != 0) {
            throw new IllegalArgumentException("the conv generator upsamples x4: image " + shape
                    + " needs height and width divisible by 4 (or use generator.kind = dense)");
        }
        int c0 = g.channels();
        int h4 = shape.height() / 4;
        int w4 = shape.width() / 4;
        list.layer(new DenseLayer.Builder().nIn(in).nOut((long) c0 * h4 * w4).activation(Activation.RELU).build())
                .layer(new Deconvolution2D.Builder().kernelSize(4, 4).stride(2, 2).padding(1, 1)
                        .nOut(Math.max(c0 / 2, 1)).activation(Activation.RELU).build())
                .layer(new Deconvolution2D.Builder().kernelSize(4, 4).stride(2, 2).padding(1, 1)
                        .nOut(Math.max(c0 / 4, 1)).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder().kernelSize(3, 3).stride(1, 1)
                        .convolutionMode(ConvolutionMode.Same).nOut(shape.channels())
                        .activation(Activation.SIGMOID).weightInit(WeightInit.XAVIER).build());
        list.inputPreProcessor(1, new org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor(h4, w4, c0));
        return init(list.setInputType(InputType.feedForward(in)).build());
    }

    /** D: image NCHW [B, C, H, W] -> one unbounded score [B, 1]. */
    public static MultiLayerNetwork discriminator(VcnConfig config, ImageShape shape, DataType dataType) {
        NeuralNetConfiguration.ListBuilder list = list(config.seed() + 2, dataType, config.discriminatorOptimizer());
        for (int channels : config.discriminator().channels()) {
            list.layer(new ConvolutionLayer.Builder().kernelSize(4, 4).stride(2, 2).padding(1, 1).nOut(channels)
                    .activation(new ActivationLReLU(0.2)).build());
        }
        list.layer(new DenseLayer.Builder().nOut(1).activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER)
                .build());
        return init(list.setInputType(InputType.convolutional(shape.height(), shape.width(), shape.channels()))
                .build());
    }

    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
