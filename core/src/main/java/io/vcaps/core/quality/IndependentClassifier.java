package io.vcaps.core.quality;

import io.vcaps.core.layers.FullyConnected;
import io.vcaps.core.layers.NhwcConvolution;
import io.vcaps.core.layers.Nonlinearity;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.TrainingStep;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A small CNN that judges synthesis without being part of it: trained on a dataset's train split alone (not the
 * VCN encoder, which would recognise what its own generator learned to please), it says which entity an image
 * shows, and its penultimate layer gives the features that {@link FrechetDistance} compares. Two 5x5 stride-2
 * ReLU convolutions (32, 64 filters), a dense ReLU layer of {@link #FEATURES}, a dense layer to K logits; softmax
 * cross-entropy (DL4J's {@code LossMCXENT}), Adam. On multi-label data ({@link #createMultiLabel}) each logit is its
 * own attribute's: a sigmoid per entity and binary cross-entropy ({@code LossBinaryXENT}), present where the sigmoid
 * exceeds 0.5.
 */
public final class IndependentClassifier {

    /** Width of the penultimate layer: the feature vector of an image. */
    public static final int FEATURES = 128;
    private static final Logger LOG = LoggerFactory.getLogger(IndependentClassifier.class);
    private static final int BATCH = 100;
    private static final int FEATURE_LAYER = 2;

    private final MultiLayerNetwork net;
    private final int entities;
    private final boolean multiLabel;

    private IndependentClassifier(MultiLayerNetwork net, int entities, boolean multiLabel) {
        this.net = net;
        this.entities = entities;
        this.multiLabel = multiLabel;
    }

    /** An untrained classifier of images of {@code shape} into {@code entities} classes. */
    public static IndependentClassifier create(ImageShape shape, int entities, long seed) {
        return new IndependentClassifier(network(shape, entities, seed), entities, false);
    }

    /** An untrained classifier of which of {@code entities} attributes images of {@code shape} show. */
    public static IndependentClassifier createMultiLabel(ImageShape shape, int entities, long seed) {
        return new IndependentClassifier(network(shape, entities, seed), entities, true);
    }

    private static MultiLayerNetwork network(ImageShape shape, int entities, long seed) {
        NhwcConvolution conv1 = new NhwcConvolution(shape.height(), shape.width(), shape.channels(), 32, 5, 2, 2,
                Nonlinearity.RELU, 0);
        NhwcConvolution conv2 = new NhwcConvolution(conv1.outHeight(), conv1.outWidth(), 32, 64, 5, 2, 2,
                Nonlinearity.RELU, 0);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .miniBatch(false)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU)
                .list()
                .layer(conv1)
                .layer(conv2)
                .layer(FullyConnected.he((long) conv2.outHeight() * conv2.outWidth() * 64, FEATURES, Nonlinearity.RELU))
                .layer(FullyConnected.glorot(FEATURES, entities, Nonlinearity.IDENTITY))
                .setInputType(InputType.feedForward(shape.pixels()))
                .build();
        Nd4j.getRandom().setSeed(seed);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * Trains on {@code images} [N, H*W*C] in [0, 1] with labels in [0, K) for {@code epochs} passes, in an order
     * drawn from {@code seed}.
     */
    public IndependentClassifier train(INDArray images, int[] labels, double epochs, long seed) {
        if (multiLabel) {
            throw new IllegalStateException("a multi-label classifier trains on sets of attributes");
        }
        return train(images, (row, y, i) -> y.putScalar(i, labels[row], 1.0), new LossMCXENT(),
                new ActivationSoftmax(), epochs, seed);
    }

    /**
     * Trains a multi-label classifier on {@code images} [N, H*W*C] in [0, 1], image i showing the attributes k with
     * {@code present[i][k]}, for {@code epochs} passes, in an order drawn from {@code seed}.
     */
    public IndependentClassifier trainMultiLabel(INDArray images, boolean[][] present, double epochs, long seed) {
        if (!multiLabel) {
            throw new IllegalStateException("a single-label classifier trains on one entity per image");
        }
        return train(images, (row, y, i) -> {
            for (int k = 0; k < entities; k++) {
                y.putScalar(i, k, present[row][k] ? 1.0 : 0.0);
            }
        }, new LossBinaryXENT(), new ActivationSigmoid(), epochs, seed);
    }

    /** Writes image {@code row}'s target into row {@code i} of a batch's targets. */
    private interface Target {
        void put(int row, INDArray targets, int i);
    }

    private IndependentClassifier train(INDArray images, Target target, ILossFunction loss, IActivation activation,
            double epochs, long seed) {
        int n = (int) images.size(0);
        int[] order = new int[n];
        SplittableRandom random = new SplittableRandom(seed);
        long steps = Math.max(1, Math.round(epochs * n / BATCH));
        int cursor = n;
        for (long step = 0; step < steps; step++) {
            if (cursor + BATCH > n) {
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                }
                for (int i = n - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                cursor = 0;
            }
            int b = Math.min(BATCH, n);
            int[] rows = java.util.Arrays.copyOfRange(order, cursor, cursor + b);
            cursor += b;
            INDArray x = images.getRows(rows);
            INDArray y = Nd4j.zeros(DataType.FLOAT, b, entities);
            for (int i = 0; i < b; i++) {
                target.put(rows[i], y, i);
            }
            INDArray logits = TrainingStep.forward(net, x);
            if ((step + 1) % 100 == 0 || step + 1 == steps) {
                // Before computeGradient, whose activation backward pass overwrites the logits in place: read after
                // it, the logged loss stayed at its value for random guesses (K ln 2) whatever the classifier learned.
                double score = loss.computeScore(y, logits, activation, null, true);
                LOG.info("independent classifier: step {} of {}, loss {}", step + 1, steps,
                        String.format(java.util.Locale.ROOT, "%.4f", score));
            }
            INDArray gradient = loss.computeGradient(y, logits, activation, null).divi(b);
            TrainingStep.update(net, TrainingStep.backward(net, gradient, false).getFirst(), b);
        }
        return this;
    }

    /** The predicted entity of each image. */
    public int[] predict(INDArray images) {
        int[] out = new int[(int) images.size(0)];
        forEachBatch(images, (from, activations) -> {
            int[] p = Nd4j.argMax(activations.get(activations.size() - 1), 1).toIntVector();
            System.arraycopy(p, 0, out, from, p.length);
        });
        return out;
    }

    /** The logit of every attribute for each image, [N][K]: present where positive (sigmoid above 0.5). */
    public float[][] logits(INDArray images) {
        float[][] out = new float[(int) images.size(0)][];
        forEachBatch(images, (from, activations) -> {
            float[][] l = activations.get(activations.size() - 1).toFloatMatrix();
            System.arraycopy(l, 0, out, from, l.length);
        });
        return out;
    }

    /** Which attributes each image shows, by a multi-label classifier: [N][K]. */
    public boolean[][] present(INDArray images) {
        if (!multiLabel) {
            throw new IllegalStateException("a single-label classifier names one entity per image");
        }
        float[][] logits = logits(images);
        boolean[][] out = new boolean[logits.length][entities];
        for (int i = 0; i < logits.length; i++) {
            for (int k = 0; k < entities; k++) {
                out[i][k] = logits[i][k] > 0;
            }
        }
        return out;
    }

    /** The penultimate layer's activations of each image, [N][{@link #FEATURES}]. */
    public float[][] features(INDArray images) {
        float[][] out = new float[(int) images.size(0)][];
        forEachBatch(images, (from, activations) -> {
            float[][] f = activations.get(FEATURE_LAYER + 1).toFloatMatrix();
            System.arraycopy(f, 0, out, from, f.length);
        });
        return out;
    }

    /** The share of {@code images} predicted as {@code labels}. */
    public double accuracy(INDArray images, int[] labels) {
        int[] predicted = predict(images);
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            right += predicted[i] == labels[i] ? 1 : 0;
        }
        return labels.length == 0 ? Double.NaN : (double) right / labels.length;
    }

    private interface BatchActivations {
        void accept(int from, List<INDArray> activations);
    }

    private void forEachBatch(INDArray images, BatchActivations consumer) {
        long n = images.size(0);
        for (long from = 0; from < n; from += 500) {
            long to = Math.min(n, from + 500);
            INDArray x = images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).castTo(DataType.FLOAT);
            consumer.accept((int) from, net.feedForward(x, false));
        }
    }
}
