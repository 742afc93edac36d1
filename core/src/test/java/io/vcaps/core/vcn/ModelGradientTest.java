package io.vcaps.core.vcn;

import io.vcaps.core.GradientChecks;
import io.vcaps.core.config.VcnConfig;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks, in double precision, of the model's losses and of the paths between networks: the
 * variational heads' KL with the margin loss, the sample-and-mask path, the generator under the reconstruction
 * loss, D's parameters under L_D, and the generator's input under L_adv through D and G.
 */
class ModelGradientTest {

    private static final ImageShape SHAPE = new ImageShape(8, 8, 1);
    private static final int K = 3;
    private static final int D = 2;

    private static VcnConfig small() {
        return small(true);
    }

    /** @param conditioned whether G reads the entity mask beside the masked capsules */
    private static VcnConfig small(boolean conditioned) {
        return VcnConfig.parse("""
                vcaps.model { generator { channels = 4, condition = %s }, discriminator { channels = [2, 3] }
                              latent-dim = 2 }
                """.formatted(conditioned), "test");
    }

    private static INDArray targets(int batch) {
        INDArray t = Nd4j.zeros(DataType.DOUBLE, batch, K);
        for (int b = 0; b < batch; b++) {
            t.putScalar(b, b % K, 1.0);
        }
        return t;
    }

    /**
     * Zero biases over dead ReLU inputs put pre-activations exactly on ReLU's kink, where a central difference
     * sees half a slope; a small random shift of every parameter moves them off it.
     */
    private static void awayFromKinks(MultiLayerNetwork net) {
        net.params().addi(Nd4j.randn(DataType.DOUBLE, net.params().shape()).muli(0.1));
    }

    @Test
    void marginLossOnKlAndSampleAndMaskHaveExactGradients() {
        int batch = 4;
        Nd4j.getRandom().setSeed(3);
        INDArray encoded = Nd4j.randn(DataType.DOUBLE, batch, K * 2 * D).muli(2);
        INDArray t = targets(batch);
        INDArray projection = Nd4j.randn(DataType.DOUBLE, batch, K * D);
        double mPlus = 0.5;
        double mMinus = 6;
        DoubleSupplier loss = () -> {
            VariationalCapsules c = new VariationalCapsules(encoded, K, D);
            double margin = Losses.margin(c.kl(), t, mPlus, mMinus, 0.5).value();
            INDArray z = c.sample(Nd4j.getRandomFactory().getNewRandomInstance(99));
            return margin + VariationalCapsules.mask(z, t).mul(projection).sumNumber().doubleValue();
        };
        VariationalCapsules c = new VariationalCapsules(encoded, K, D);
        Losses.Term margin = Losses.margin(c.kl(), t, mPlus, mMinus, 0.5);
        c.sample(Nd4j.getRandomFactory().getNewRandomInstance(99));
        INDArray analytic = c.backward(projection, t, margin.gradient());
        GradientChecks.check("heads, KL, margin, sample, mask", encoded, analytic, loss, 1000, 5);
    }

    /** The encoder's output [B, K*2*D] with each capsule's mu from {@code mu} and its raw logvar from {@code raw}. */
    private static INDArray encoded(INDArray mu, INDArray raw) {
        return Nd4j.concat(2, mu.reshape(mu.size(0), K, 1, D), raw.reshape(raw.size(0), K, 1, D))
                .reshape('c', mu.size(0), (long) K * 2 * D);
    }

    /** The logvar half of a gradient with respect to the encoder's output, [B, K, D]. */
    private static INDArray logvarPart(INDArray dEncoded) {
        return dEncoded.reshape('c', dEncoded.size(0), K, 2, D)
                .get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.all()).dup('c');
    }

    /**
     * The bound on logvar has exact gradients on both sides of it: below -L with the sample-and-mask path, and
     * above L (where exp(logvar) is about 1e9) with KL scaled down so that the differences stay precise.
     */
    @Test
    void boundedLogvarHasExactGradientsBeyondTheBound() {
        int batch = 2;
        Nd4j.getRandom().setSeed(31);
        INDArray mu = Nd4j.randn(DataType.DOUBLE, batch, K, D);
        INDArray t = targets(batch);
        INDArray low = Nd4j.create(new double[] {-40, -23, -21, -20.5, -19.5, -3, 0.7, 5, -20.2, -22, 3, -1},
                new long[] {batch, K, D}).castTo(DataType.DOUBLE);
        INDArray projection = Nd4j.randn(DataType.DOUBLE, batch, K * D);
        INDArray dKl = Nd4j.rand(DataType.DOUBLE, batch, K).addi(0.5);
        DoubleSupplier lowLoss = () -> {
            VariationalCapsules c = new VariationalCapsules(encoded(mu, low), K, D);
            INDArray z = c.sample(Nd4j.getRandomFactory().getNewRandomInstance(5));
            return c.kl().mul(dKl).sumNumber().doubleValue()
                    + VariationalCapsules.mask(z, t).mul(projection).sumNumber().doubleValue();
        };
        VariationalCapsules c = new VariationalCapsules(encoded(mu, low), K, D);
        c.sample(Nd4j.getRandomFactory().getNewRandomInstance(5));
        GradientChecks.check("logvar below the bound", low, logvarPart(c.backward(projection, t, dKl)), lowLoss,
                100, 32);

        INDArray high = Nd4j.create(new double[] {19.5, 20.3, 20.8, 21.5, 23, 25, 20.05, 22, 24, 19.9, 20.6, 21},
                new long[] {batch, K, D}).castTo(DataType.DOUBLE);
        INDArray scale = Nd4j.valueArrayOf(new long[] {batch, K}, 1e-9, DataType.DOUBLE);
        DoubleSupplier highLoss = () -> new VariationalCapsules(encoded(mu, high), K, D).kl().mul(scale).sumNumber()
                .doubleValue();
        INDArray analytic = logvarPart(new VariationalCapsules(encoded(mu, high), K, D).backward(null, t, scale));
        GradientChecks.check("logvar above the bound", high, analytic, highLoss, 100, 33);
    }

    @Test
    void logvarIsTheHeadsOutputInsideTheBoundAndKlStaysFiniteInFloat32() {
        INDArray raw = Nd4j.create(new float[] {-20, -12.5f, 0, 3.25f, 19.75f, 20}, new long[] {1, 1, 6});
        INDArray inside = new VariationalCapsules(raw.reshape(1, 1, 1, 6).broadcast(1, 1, 2, 6).reshape(1, 12), 1, 6)
                .logvar();
        assertEquals(raw.reshape(1, 1, 6), inside, "the identity where trained models' logvars lie");

        INDArray encoded = Nd4j.zeros(DataType.FLOAT, 2, K * 2 * D);
        encoded.putScalar(0, D, 200f);
        encoded.putScalar(0, D + 1, 1e30f);
        encoded.putScalar(1, 3 * D, -1e30f);
        VariationalCapsules c = new VariationalCapsules(encoded, K, D);
        for (double lv : c.logvar().dup().data().asDouble()) {
            assertTrue(Math.abs(lv) <= VariationalCapsules.LOGVAR_BOUND + 1, "logvar " + lv);
        }
        for (double kl : c.kl().dup().data().asDouble()) {
            assertTrue(Double.isFinite(kl), "KL " + c.kl() + ": exp(200) used to overflow float32");
        }
        INDArray grad = c.backward(null, targets(2).castTo(DataType.FLOAT), Nd4j.ones(DataType.FLOAT, 2, K));
        for (double g : grad.dup().data().asDouble()) {
            assertTrue(Double.isFinite(g), "gradient " + grad);
        }
    }

    /** lambda = 0 leaves absent capsules out of the margin loss; it used to divide by lambda and give NaN. */
    @ParameterizedTest(name = "lambda = {0}")
    @ValueSource(doubles = {0.0, 0.5, 2.0})
    void marginLossOnKlHasExactGradientsForAnyLambda(double lambda) {
        int batch = 4;
        Nd4j.getRandom().setSeed(21);
        INDArray kl = Nd4j.rand(DataType.DOUBLE, batch, K).muli(8);
        INDArray t = targets(batch);
        Losses.Term margin = Losses.margin(kl, t, 0.5, 6, lambda);
        assertTrue(Double.isFinite(margin.value()), "margin loss " + margin.value());
        for (double g : margin.gradient().dup().data().asDouble()) {
            assertTrue(Double.isFinite(g), "gradient " + margin.gradient());
        }
        GradientChecks.check("margin loss, lambda " + lambda, kl, margin.gradient(),
                () -> Losses.margin(kl, t, 0.5, 6, lambda).value(), 100, 22);
        double over = 0;
        double under = 0;
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < K; k++) {
                double v = kl.getDouble(b, k);
                if (t.getDouble(b, k) == 1) {
                    over += Math.pow(Math.max(0, v - 0.5), 2);
                } else {
                    under += Math.pow(Math.max(0, 6 - v), 2);
                }
            }
        }
        assertEquals((over + lambda * under) / batch, margin.value(), 1e-12, "docs/MODEL.md's margin loss");
    }

    @Test
    void aTrainingStepWithLambdaZeroIsFinite() {
        VcnConfig config = VcnConfig.parse("""
                vcaps.model { conv1 { filters = 4, kernel = 3 }, generator { channels = 4 }, latent-dim = 2
                              primary { channels = 2, dim = 4, kernel = 3, stride = 2 }
                              discriminator { channels = [2, 3] } }
                vcaps.loss.lambda = 0
                vcaps.training.batch-size = 4
                """, "lambda 0");
        VcnModel model = VcnModel.create(config, SHAPE, List.of("a", "b", "c"), DataType.FLOAT);
        TrainingStep step = new TrainingStep(model, Nd4j.getRandomFactory().getNewRandomInstance(2));
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, SHAPE.pixels());
        INDArray t = targets(4).castTo(DataType.FLOAT);
        for (int i = 0; i < 3; i++) {
            StepLosses losses = step.fit(x, t);
            assertTrue(losses.isFinite(), "step " + i + " with lambda 0: " + losses);
        }
    }

    @Test
    void klIsZeroAtThePriorAndPositiveElsewhere() {
        INDArray prior = Nd4j.zeros(DataType.DOUBLE, 1, K * 2 * D);
        assertEquals(0.0, new VariationalCapsules(prior, K, D).kl().sumNumber().doubleValue(), 1e-12);
        INDArray shifted = prior.dup();
        shifted.putScalar(0, 0, 2.0);
        assertEquals(2.0, new VariationalCapsules(shifted, K, D).kl().getDouble(0, 0), 1e-12);
    }

    @ParameterizedTest(name = "conditioned = {0}")
    @ValueSource(booleans = {true, false})
    void generatorUnderReconstructionLossHasExactGradients(boolean conditioned) {
        VcnConfig config = small(conditioned);
        MultiLayerNetwork g = Networks.generator(config, SHAPE, K, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(5);
        awayFromKinks(g);
        INDArray z = VariationalCapsules.generatorInput(Nd4j.randn(DataType.DOUBLE, 3, K, D), targets(3), conditioned);
        assertEquals(K * D + (conditioned ? K : 0), z.size(1), "G's input width");
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, SHAPE.pixels());
        DoubleSupplier loss = () -> Losses.reconstruction(x, g.output(z, true)).value();
        Losses.Term rec = Losses.reconstruction(x, TrainingStep.forward(g, z));
        Pair<Gradient, INDArray> grads = TrainingStep.backward(g, rec.gradient(), true);
        GradientChecks.check("generator parameters", g.params(), grads.getFirst().gradient().dup(), loss, 400, 6);
        GradientChecks.check("generator input", z, grads.getSecond().dup(), loss, 100, 7);
    }

    /**
     * The conditioned generator's input path as a training step takes it: encoder output -> KL, margin, sample,
     * mask, [M(z, T), T] -> G -> L_rec. T is data, so only the first K*D columns of G's input gradient flow back.
     */
    @Test
    void conditionedGeneratorInputPathHasExactGradients() {
        VcnConfig config = small(true);
        MultiLayerNetwork g = Networks.generator(config, SHAPE, K, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(12);
        awayFromKinks(g);
        int batch = 3;
        INDArray encoded = Nd4j.randn(DataType.DOUBLE, batch, K * 2 * D);
        INDArray t = targets(batch);
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, SHAPE.pixels());
        double alpha = 0.7;
        DoubleSupplier loss = () -> {
            VariationalCapsules c = new VariationalCapsules(encoded, K, D);
            double margin = Losses.margin(c.kl(), t, 0.5, 6, 0.5).value();
            INDArray in = VariationalCapsules.generatorInput(c.sample(Nd4j.getRandomFactory().getNewRandomInstance(4)),
                    t, true);
            return margin + alpha * Losses.reconstruction(x, g.output(in, true)).value();
        };
        VariationalCapsules c = new VariationalCapsules(encoded, K, D);
        Losses.Term margin = Losses.margin(c.kl(), t, 0.5, 6, 0.5);
        INDArray in = VariationalCapsules.generatorInput(c.sample(Nd4j.getRandomFactory().getNewRandomInstance(4)),
                t, true);
        Losses.Term rec = Losses.reconstruction(x, TrainingStep.forward(g, in));
        INDArray dIn = TrainingStep.backward(g, rec.gradient().mul(alpha), true).getSecond();
        INDArray analytic = c.backward(VariationalCapsules.maskedGradient(dIn, batch, (long) K * D), t,
                margin.gradient());
        GradientChecks.check("encoder output through the conditioned generator", encoded, analytic, loss, 1000, 13);
    }

    @Test
    void discriminatorParametersUnderLdHaveExactGradients() {
        MultiLayerNetwork d = Networks.discriminator(small(), SHAPE, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(8);
        INDArray images = Nd4j.rand(DataType.DOUBLE, 6, SHAPE.pixels());
        DoubleSupplier loss = () -> {
            INDArray s = d.output(images, true);
            return Losses.discriminator(s.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()),
                    s.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all())).value();
        };
        INDArray s = TrainingStep.forward(d, images);
        Losses.Term term = Losses.discriminator(s.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()),
                s.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all()));
        INDArray analytic = TrainingStep.backward(d, term.gradient(), false).getFirst().gradient().dup();
        GradientChecks.check("discriminator parameters under L_D", d.params(), analytic, loss, 400, 9);
    }

    @Test
    void generatorInputUnderAdversarialLossHasExactGradients() {
        VcnConfig config = small();
        MultiLayerNetwork g = Networks.generator(config, SHAPE, K, DataType.DOUBLE);
        MultiLayerNetwork d = Networks.discriminator(config, SHAPE, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(10);
        INDArray z = VariationalCapsules.generatorInput(Nd4j.randn(DataType.DOUBLE, 3, K, D), targets(3), true);
        DoubleSupplier loss = () -> Losses.adversarial(d.output(g.output(z, true), true)).value();
        INDArray fakes = TrainingStep.forward(g, z);
        Losses.Term adv = Losses.adversarial(TrainingStep.forward(d, fakes));
        INDArray dFakes = TrainingStep.backward(d, adv.gradient(), true).getSecond();
        INDArray dz = TrainingStep.backward(g, dFakes, true).getSecond().dup();
        GradientChecks.check("generator input under L_adv", z, dz, loss, 100, 11);
    }
}
