package io.vcaps.core.vcn;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.layers.CapsuleRouting;
import io.vcaps.core.layers.FullyConnected;
import io.vcaps.core.layers.NhwcConvolution;
import io.vcaps.core.layers.NhwcDeconvolution;
import io.vcaps.core.layers.Nonlinearity;
import io.vcaps.core.layers.VariationalHeads;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;


/**
 * Builds the three networks of docs/MODEL.md as DL4J {@code MultiLayerNetwork}s over flat NHWC images. Convolutions are
 * vcaps' own {@link NhwcConvolution} and {@link NhwcDeconvolution} (DL4J 1.0.0-M2.1's convolution layers measured
 * 10-50x slower here, see docs/BENCHMARKS.md), and so are the dense layers ({@link FullyConnected}, 8x faster than its
 * DenseLayer on G's first layer). Each is trained through external errors (the losses live in
 * {@link VariationalCapsules} and {@link Losses}), so none ends in an output layer, and
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

    /** How E's routing runs on this CPU for networks of {@code dataType}, for a job's start line. */
    public static String routingPath(DataType dataType) {
        return CapsuleRouting.kernelPath(dataType);
    }

    /** E: image [B, H*W*C] -> [B, K*2*latentDim], each capsule's mu then logvar. */
    public static MultiLayerNetwork encoder(VcnConfig config, ImageShape shape, int entities, DataType dataType) {
        VcnConfig.Encoder e = config.encoder();
        NhwcConvolution conv1 = new NhwcConvolution(shape.height(), shape.width(), shape.channels(),
                e.conv1Filters(), e.conv1Kernel(), 1, 0, Nonlinearity.RELU, 0);
        NhwcConvolution primary = new NhwcConvolution(conv1.outHeight(), conv1.outWidth(), e.conv1Filters(),
                e.primaryChannels() * e.primaryDim(), e.primaryKernel(), e.primaryStride(), 0,
                Nonlinearity.SQUASH, e.primaryDim());
        int children = primary.outHeight() * primary.outWidth() * e.primaryChannels();
        MultiLayerConfiguration conf = list(config.seed(), dataType, config.encoderGenerator())
                .layer(conv1)
                .layer(primary)
                .layer(new CapsuleRouting(children, e.primaryDim(), entities, e.capsuleDim(), e.routings(),
                        e.routingWeightStd()))
                .layer(heads(config, entities))
                .setInputType(InputType.feedForward(shape.pixels()))
                .build();
        return init(conf);
    }

    /**
     * G: masked capsules [B, K*latentDim], then (when conditioned) the entity mask [B, K] -> image [B, H*W*C].
     * {@code conv}: dense to (c0, H/4, W/4), two transposed convolutions (4x4, stride 2) with ReLU, a 3x3
     * convolution and a sigmoid; {@code dense}: CapsNet's fully connected decoder.
     */
    public static MultiLayerNetwork generator(VcnConfig config, ImageShape shape, int entities, DataType dataType) {
        VcnConfig.Generator g = config.generator();
        int in = entities * config.encoder().latentDim() + (g.condition() ? entities : 0);
        NeuralNetConfiguration.ListBuilder list = list(config.seed() + 1, dataType, config.encoderGenerator());
        if (g.kind().equals("dense")) {
            int previous = in;
            for (int width : g.hidden()) {
                list.layer(FullyConnected.he(previous, width, Nonlinearity.RELU));
                previous = width;
            }
            list.layer(FullyConnected.glorot(previous, shape.pixels(), Nonlinearity.SIGMOID));
            return init(list.setInputType(InputType.feedForward(in)).build());
        }
        if (!ModelShapes.convGeneratorFits(shape)) {
            throw new IllegalArgumentException("the conv generator upsamples x4: image " + shape
                    + " needs height and width divisible by 4 (or use generator.kind = dense)");
        }
        int c0 = g.channels();
        int c1 = Math.max(c0 / 2, 1);
        int c2 = Math.max(c0 / 4, 1);
        int h4 = shape.height() / ModelShapes.GENERATOR_UPSAMPLING;
        int w4 = shape.width() / ModelShapes.GENERATOR_UPSAMPLING;
        list.layer(FullyConnected.he(in, (long) c0 * h4 * w4, Nonlinearity.RELU))
                .layer(new NhwcDeconvolution(h4, w4, c0, c1, 4, 2, 1, Nonlinearity.RELU))
                .layer(new NhwcDeconvolution(2 * h4, 2 * w4, c1, c2, 4, 2, 1, Nonlinearity.RELU))
                .layer(new NhwcConvolution(shape.height(), shape.width(), c2, shape.channels(), 3, 1, 1,
                        Nonlinearity.SIGMOID, 0));
        return init(list.setInputType(InputType.feedForward(in)).build());
    }

    /** D: image [B, H*W*C] -> one unbounded score [B, 1]: strided 4x4 convolutions with LeakyReLU(0.2), dense to 1. */
    public static MultiLayerNetwork discriminator(VcnConfig config, ImageShape shape, DataType dataType) {
        NeuralNetConfiguration.ListBuilder list = list(config.seed() + 2, dataType, config.discriminatorOptimizer());
        int h = shape.height();
        int w = shape.width();
        int channels = shape.channels();
        for (int filters : config.discriminator().channels()) {
            NhwcConvolution conv = new NhwcConvolution(h, w, channels, filters, ModelShapes.DISCRIMINATOR_KERNEL,
                    ModelShapes.DISCRIMINATOR_STRIDE, ModelShapes.DISCRIMINATOR_PADDING, Nonlinearity.LEAKY_RELU, 0);
            list.layer(conv);
            h = conv.outHeight();
            w = conv.outWidth();
            channels = filters;
        }
        list.layer(FullyConnected.glorot((long) h * w * channels, 1, Nonlinearity.IDENTITY));
        return init(list.setInputType(InputType.feedForward(shape.pixels())).build());
    }

    /**
     * The variational heads, with their own Adam at {@code heads-factor} times E+G's learning rate: their outputs
     * are nats-scale (a capsule starts narrow, logvar about -6, and must travel units of logvar to become present
     * or absent), and Adam moves each parameter about one learning rate per step.
     */
    private static VariationalHeads heads(VcnConfig config, int entities) {
        VcnConfig.Encoder e = config.encoder();
        VariationalHeads heads = new VariationalHeads(entities, e.capsuleDim(), e.latentDim(),
                config.presenceThreshold());
        VcnConfig.Optimizer adam = config.encoderGenerator();
        heads.setIUpdater(new Adam(adam.learningRate() * adam.headsFactor(), adam.beta1(), adam.beta2(), 1e-8));
        return heads;
    }

    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
