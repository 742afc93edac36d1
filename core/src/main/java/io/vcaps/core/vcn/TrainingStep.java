package io.vcaps.core.vcn;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.layers.KernelLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/**
 * One step of training (docs/MODEL.md, One training step): D on L_D with the fakes detached, then E and G together on
 * L_EG = L_margin + alpha L_rec + beta L_adv (+ gamma L_consistency) with D held fixed. E+G and D have their own
 * Adam. With beta = 0 there is no discriminator and no prior sample: analysis plus reconstruction.
 */
public final class TrainingStep {

    private final VcnModel model;
    private final VcnConfig.Loss loss;
    private final Random random;

    /** @param random the noise source (eps, prior samples and their entities), seeded by the caller */
    public TrainingStep(VcnModel model, Random random) {
        this.model = model;
        this.loss = model.config().loss();
        this.random = random;
    }

    /**
     * Trains on one minibatch.
     *
     * @param x       images [B, H*W*C] in [0, 1]
     * @param present T [B, K]: 1 for present entities
     */
    public StepLosses fit(INDArray x, INDArray present) {
        MultiLayerNetwork e = model.encoder();
        MultiLayerNetwork g = model.generator();
        MultiLayerNetwork d = model.discriminator();
        int batch = (int) x.size(0);
        boolean adversarial = loss.beta() > 0;

        INDArray encoded = forward(e, x);
        VariationalCapsules capsules = new VariationalCapsules(encoded, model.entities(), model.latentDim());
        INDArray kl = capsules.kl();
        Losses.Term margin = Losses.margin(kl, present, loss.mPlus(), loss.mMinus(), loss.lambda());
        boolean conditioned = model.config().generator().condition();
        INDArray generatorInput = VariationalCapsules.generatorInput(capsules.sample(random), present, conditioned);
        if (adversarial) {
            generatorInput = Nd4j.vstack(generatorInput,
                    VariationalCapsules.generatorInput(priorSample(batch), randomEntities(batch), conditioned));
        }
        INDArray fakes = forward(g, generatorInput);
        INDArray reconstructions = adversarial ? fakes.get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()) : fakes;
        Losses.Term reconstruction = Losses.reconstruction(x, reconstructions);

        double discriminatorLoss = 0;
        double adversarialLoss = 0;
        INDArray dFakes;
        if (adversarial) {
            INDArray scores = forward(d, Nd4j.vstack(x, fakes));
            Losses.Term dTerm = Losses.discriminator(scores.get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()),
                    scores.get(NDArrayIndex.interval(batch, scores.size(0)), NDArrayIndex.all()));
            discriminatorLoss = dTerm.value();
            update(d, backward(d, dTerm.gradient(), false).getFirst(), batch);

            INDArray fakeScores = forward(d, fakes);
            Losses.Term adv = Losses.adversarial(fakeScores);
            adversarialLoss = adv.value();
            dFakes = backward(d, adv.gradient(), true).getSecond().muli(loss.beta());
            dFakes.get(NDArrayIndex.interval(0, batch), NDArrayIndex.all())
                    .addi(reconstruction.gradient().mul(loss.alpha()));
        } else {
            dFakes = reconstruction.gradient().mul(loss.alpha());
        }

        Pair<Gradient, INDArray> gGrad = backward(g, dFakes, true);
        INDArray dMasked = VariationalCapsules.maskedGradient(gGrad.getSecond(), batch,
                (long) model.entities() * model.latentDim());
        Pair<Gradient, INDArray> eGrad = backward(e, capsules.backward(dMasked, present, margin.gradient()), false);

        double consistency = 0;
        if (loss.gamma() > 0) {
            consistency = addConsistency(eGrad.getFirst().gradient(), gGrad.getFirst().gradient(), batch);
        }
        update(g, gGrad.getFirst(), batch);
        update(e, eGrad.getFirst(), batch);

        return new StepLosses(margin.value(), reconstruction.value(), adversarialLoss, discriminatorLoss, consistency,
                meanWhere(kl, present), meanWhere(kl, present.rsub(1)), batch);
    }

    /**
     * gamma L_margin(E(x_p), T_p): prior samples of an entity should be recognised as it. Runs G and E once more
     * on fresh prior samples and adds gamma times their gradients to the step's E and G gradients.
     */
    private double addConsistency(INDArray eGradient, INDArray gGradient, int batch) {
        INDArray eSoFar = eGradient.dup();
        INDArray gSoFar = gGradient.dup();
        INDArray entities = randomEntities(batch);
        INDArray samples = forward(model.generator(), VariationalCapsules.generatorInput(priorSample(batch), entities,
                model.config().generator().condition()));
        VariationalCapsules capsules = new VariationalCapsules(forward(model.encoder(), samples), model.entities(),
                model.latentDim());
        Losses.Term term = Losses.margin(capsules.kl(), entities, loss.mPlus(), loss.mMinus(), loss.lambda());
        INDArray dEncoded = capsules.backward(null, entities, term.gradient().mul(loss.gamma()));
        Pair<Gradient, INDArray> eGrad = backward(model.encoder(), dEncoded, true);
        backward(model.generator(), eGrad.getSecond(), false);
        eGradient.addi(eSoFar);
        gGradient.addi(gSoFar);
        return term.value();
    }

    /** z_p ~ N(0, I) for every capsule, [B, K, D]; masking keeps the chosen entity's. */
    private INDArray priorSample(int batch) {
        return Nd4j.randn(0, 1, new long[]{batch, model.entities(), model.latentDim()}, random)
                .castTo(model.dataType());
    }

    /** T_p: one uniformly chosen entity per row, [B, K]. */
    private INDArray randomEntities(int batch) {
        INDArray u = Nd4j.rand(new long[]{batch}, 0, model.entities(), random);
        INDArray t = Nd4j.zeros(model.dataType(), batch, model.entities());
        for (int i = 0; i < batch; i++) {
            t.putScalar(i, Math.min((int) u.getDouble(i), model.entities() - 1), 1.0);
        }
        return t;
    }

    private static double meanWhere(INDArray values, INDArray mask) {
        double n = mask.sumNumber().doubleValue();
        return n == 0 ? Double.NaN : values.mul(mask).sumNumber().doubleValue() / n;
    }

    public static INDArray forward(MultiLayerNetwork net, INDArray input) {
        net.setInput(input);
        List<INDArray> activations = net.feedForward(true, false);
        return activations.get(activations.size() - 1);
    }

    /**
     * Gradients of the network's parameters and, when {@code inputGradient}, of its input (else the input gradient
     * may be null: a first layer over data skips it).
     */
    public static Pair<Gradient, INDArray> backward(MultiLayerNetwork net, INDArray outputGradient,
            boolean inputGradient) {
        if (net.getLayer(0) instanceof KernelLayer<?> first) {
            first.setInputGradient(inputGradient);
        }
        return net.backpropGradient(outputGradient, LayerWorkspaceMgr.noWorkspaces());
    }

    /** Adam on the network's gradient, then params -= update, as DL4J's own fit does. */
    public static void update(MultiLayerNetwork net, Gradient gradient, int batch) {
        int iteration = net.getIterationCount();
        net.getUpdater().update(net, gradient, iteration, net.getEpochCount(), batch,
                LayerWorkspaceMgr.noWorkspaces());
        net.params().subi(gradient.gradient());
        net.setIterationCount(iteration + 1);
    }
}
