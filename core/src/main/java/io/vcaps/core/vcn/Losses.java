package io.vcaps.core.vcn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The loss terms of docs/MODEL.md, each with its gradient with respect to its input. Every value is a mean over the
 * batch, so gradients carry the 1/B.
 */
final class Losses {

    private Losses() {
    }

    /** A loss value and its gradient with respect to the input it was computed from. */
    public record Term(double value, INDArray gradient) {
    }

    /**
     * L_margin = mean_b sum_k [ T_k max(0, KL_k - m+)^2 + lambda (1 - T_k) max(0, m- - KL_k)^2 ].
     *
     * @param kl      [B, K] KL divergence of each capsule from the prior
     * @param present [B, K] T: 1 where the entity is present, 0 elsewhere
     */
    public static Term margin(INDArray kl, INDArray present, double mPlus, double mMinus, double lambda) {
        double batch = kl.size(0);
        INDArray over = Transforms.relu(kl.sub(mPlus), false).muli(present);
        INDArray under = Transforms.relu(kl.rsub(mMinus), false).muli(present.rsub(1));
        // lambda weighs the squared term, not the hinge itself: lambda = 0 must leave absent capsules out, not 0/0
        double value = (over.mul(over).sumNumber().doubleValue()
                + lambda * under.mul(under).sumNumber().doubleValue()) / batch;
        INDArray gradient = over.subi(under.muli(lambda)).muli(2 / batch);
        return new Term(value, gradient);
    }

    /** L_rec = mean_b sum_pixels (x - x^)^2; gradient with respect to x^. */
    public static Term reconstruction(INDArray x, INDArray reconstruction) {
        double batch = x.size(0);
        INDArray diff = reconstruction.sub(x);
        return new Term(diff.mul(diff).sumNumber().doubleValue() / batch, diff.muli(2 / batch));
    }

    /** L_D = 1/2 E[(D(x) - 1)^2] + 1/2 E[D(x~)^2]; gradient with respect to the stacked scores [real; fake]. */
    public static Term discriminator(INDArray realScores, INDArray fakeScores) {
        INDArray real = realScores.sub(1);
        INDArray fake = fakeScores.dup();
        double value = 0.5 * real.mul(real).meanNumber().doubleValue()
                + 0.5 * fake.mul(fake).meanNumber().doubleValue();
        INDArray gradient = org.nd4j.linalg.factory.Nd4j.vstack(real.divi(realScores.size(0)),
                fake.divi(fakeScores.size(0)));
        return new Term(value, gradient);
    }

    /** L_adv = 1/2 E[(D(x~) - 1)^2]; gradient with respect to the fake scores. */
    public static Term adversarial(INDArray fakeScores) {
        INDArray diff = fakeScores.sub(1);
        double value = 0.5 * diff.mul(diff).meanNumber().doubleValue();
        return new Term(value, diff.divi(fakeScores.size(0)));
    }
}
