package io.vcaps.core.vcn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * K variational capsules for a batch, from the encoder's output: q(c_k | x) = N(mu_k, diag(exp(logvar_k))).
 *
 * <pre>
 *   KL_k = 1/2 sum_d ( mu_kd^2 + exp(logvar_kd) - logvar_kd - 1 )     existence score: small = present
 *   z_k  = mu_k + exp(logvar_k / 2) * eps_k,  eps ~ N(0, I)           drawn once, reused by backward
 *   M(z, T) = [T_k z_k]_k                                             the masked capsules
 *   G's input = [M(z, T), T] when G is conditioned on the entities, else M(z, T)
 * </pre>
 *
 * <p>logvar is the head's output r where |r| <= {@link #LOGVAR_BOUND} = L, and sign(r) (L + tanh(|r| - L))
 * beyond: the identity wherever a trained model's logvars lie, so nothing inside changes, and within
 * (-L - 1, L + 1) everywhere, with a slope that is continuous and never zero. Unbounded, exp(logvar) overflows
 * float32 above 88.7: KL is +Inf, and an absent capsule's margin term 0.5 (exp(lv) - 1) * 0 is NaN.
 */
final class VariationalCapsules {

    private final int capsules;
    private final int dim;
    private final INDArray mu;
    private final INDArray logvar;
    /** d logvar / d r, the bound's slope: 1 inside, sech^2(|r| - L) beyond. */
    private final INDArray logvarSlope;
    private INDArray eps;

    /** Where the head's logvar output starts to saturate: exp(L + 1) and its sum over capsules stay finite. */
    public static final double LOGVAR_BOUND = 20;

    /** @param encoded the encoder's output [B, K*2*D]: each capsule's mu, then its logvar */
    public VariationalCapsules(INDArray encoded, int capsules, int dim) {
        this.capsules = capsules;
        this.dim = dim;
        INDArray split = encoded.reshape('c', encoded.size(0), capsules, 2, dim);
        this.mu = split.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c');
        INDArray raw = split.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.all())
                .dup('c');
        INDArray magnitude = Transforms.abs(raw, true);
        INDArray beyond = Transforms.tanh(Transforms.relu(magnitude.sub(LOGVAR_BOUND), false), false);
        this.logvar = Transforms.min(magnitude, LOGVAR_BOUND, false).addi(beyond).muli(Transforms.sign(raw, true));
        this.logvarSlope = beyond.mul(beyond).rsubi(1);
    }

    /** mu [B, K, D]. */
    public INDArray mu() {
        return mu;
    }

    /** logvar [B, K, D], bounded ({@link #LOGVAR_BOUND}). */
    public INDArray logvar() {
        return logvar;
    }

    /** KL_k [B, K]. */
    public INDArray kl() {
        return mu.mul(mu).addi(Transforms.exp(logvar, true)).subi(logvar).subi(1).sum(2).muli(0.5);
    }

    /** z = mu + exp(logvar/2) eps with fresh noise, kept for {@link #backward}; [B, K, D]. */
    public INDArray sample(Random random) {
        eps = Nd4j.randn(0, 1, mu.ulike(), random);
        return Transforms.exp(logvar.mul(0.5), false).muli(eps).addi(mu);
    }

    /** z = mu: deterministic inference. */
    public INDArray mean() {
        return mu;
    }

    /** M(z, T) = [T_k z_k]_k, flattened to the generator's input [B, K*D]. */
    public static INDArray mask(INDArray z, INDArray present) {
        long batch = z.size(0);
        INDArray masked = z.mul(present.reshape(batch, present.size(1), 1).broadcast(z.shape()));
        return masked.reshape('c', batch, z.size(1) * z.size(2));
    }

    /**
     * What G reads: M(z, T), followed by T itself when {@code conditioned} (so that the entity reaches G even where
     * its capsule is near zero), [B, K*D (+ K)].
     */
    public static INDArray generatorInput(INDArray z, INDArray present, boolean conditioned) {
        INDArray masked = mask(z, present);
        return conditioned ? Nd4j.hstack(masked, present.castTo(masked.dataType())) : masked;
    }

    /** The part of G's input gradient that flows back into the capsules: its first K*D columns, [B, K*D]. */
    public static INDArray maskedGradient(INDArray generatorInputGradient, long batch, long capsuleValues) {
        return generatorInputGradient.get(NDArrayIndex.interval(0, batch), NDArrayIndex.interval(0, capsuleValues));
    }

    /**
     * The gradient with respect to the encoder's output [B, K*2*D], from the loss's gradient with respect to the
     * masked sample (the generator's input, [B, K*D]; null when nothing was decoded) and with respect to KL [B, K].
     */
    public INDArray backward(INDArray dMasked, INDArray present, INDArray dKl) {
        long batch = mu.size(0);
        INDArray dKlWide = dKl.reshape(batch, capsules, 1).broadcast(mu.shape());
        INDArray dMu = mu.mul(dKlWide);
        INDArray dLogvar = Transforms.exp(logvar, true).subi(1).muli(0.5).muli(dKlWide);
        if (dMasked != null) {
            INDArray dz = mask(dMasked.reshape('c', batch, capsules, dim), present).reshape('c', batch, capsules, dim);
            dMu.addi(dz);
            dLogvar.addi(dz.mul(eps).muli(Transforms.exp(logvar.mul(0.5), false)).muli(0.5));
        }
        dLogvar.muli(logvarSlope);
        INDArray out = Nd4j.createUninitialized(mu.dataType(), batch, capsules, 2, dim);
        out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(dMu);
        out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.all()).assign(dLogvar);
        return out.reshape('c', batch, (long) capsules * 2 * dim);
    }
}
