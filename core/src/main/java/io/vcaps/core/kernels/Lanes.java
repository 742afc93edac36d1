package io.vcaps.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 vector building blocks of the routing kernels, in the widest vectors this CPU has
 * ({@link FloatVector#SPECIES_PREFERRED}: 16 lanes with AVX-512, 8 with AVX2), so one jar runs everywhere.
 *
 * <p>Every result is a fixed function of the inputs and the lane count: sums run as per-lane partial sums in
 * array order, folded by a fixed butterfly ({@link #sum}), never through {@code reduceLanes}, whose order is
 * unspecified and may differ between the interpreter and compiled code; products are fused ({@code fma}, exact in
 * both); {@link #exp} is a polynomial of adds and multiplies, not an intrinsic whose last bit could differ from the
 * interpreter's. Same machine (same lane count) and same inputs give the same bits.
 */
final class Lanes {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LENGTH = SPECIES.length();

    /** Shuffles of the butterfly in {@link #sum}: lane i takes lane i ^ half, for half = LENGTH/2 .. 1. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] FOLDS = new VectorShuffle[Integer.numberOfTrailingZeros(LENGTH)];

    static {
        for (int f = 0, half = LENGTH / 2; half >= 1; f++, half /= 2) {
            int h = half;
            FOLDS[f] = VectorShuffle.fromOp(SPECIES, i -> i ^ h);
        }
    }

    private static final float LOG2E = 1.44269504f;
    /** ln 2 in two parts (Cody and Waite), the first exact in few bits so that n * LN2_HIGH is exact. */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds to an integer, which then sits in the low bits of the float's pattern. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    private static final float EXP_MIN = -87f;
    private static final float EXP_MAX = 88f;

    private Lanes() {
    }

    private static FloatVector broadcast(float value) {
        return FloatVector.broadcast(SPECIES, value);
    }

    /** {@code n} rounded up to whole vectors. */
    static int padded(int n) {
        return (n + LENGTH - 1) / LENGTH * LENGTH;
    }

    /** The sum of v's lanes, folded in a fixed order. */
    static float sum(FloatVector v) {
        FloatVector folded = v;
        for (VectorShuffle<Float> fold : FOLDS) {
            folded = folded.add(folded.rearrange(fold));
        }
        return folded.lane(0);
    }

    /** y[0..len) += a x[0..len). */
    static void axpy(float a, float[] x, float[] y, int len) {
        int bound = SPECIES.loopBound(len);
        FloatVector av = FloatVector.broadcast(SPECIES, a);
        int i = 0;
        for (; i < bound; i += LENGTH) {
            FloatVector.fromArray(SPECIES, x, i).fma(av, FloatVector.fromArray(SPECIES, y, i)).intoArray(y, i);
        }
        for (; i < len; i++) {
            y[i] = Math.fma(a, x[i], y[i]);
        }
    }

    /** x[0..len) . y[0..len). */
    static float dot(float[] x, float[] y, int len) {
        int bound = SPECIES.loopBound(len);
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i < bound; i += LENGTH) {
            acc = FloatVector.fromArray(SPECIES, x, i).fma(FloatVector.fromArray(SPECIES, y, i), acc);
        }
        float s = sum(acc);
        for (; i < len; i++) {
            s = Math.fma(x[i], y[i], s);
        }
        return s;
    }

    /** The sum of x[0..len). */
    static float sum(float[] x, int len) {
        int bound = SPECIES.loopBound(len);
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i < bound; i += LENGTH) {
            acc = acc.add(FloatVector.fromArray(SPECIES, x, i));
        }
        float s = sum(acc);
        for (; i < len; i++) {
            s += x[i];
        }
        return s;
    }

    /**
     * e^x per lane, within 2 ulp of {@link Math#exp} for x in [-87, 88], clamped to that range outside it (softmax
     * feeds it logits less their maximum, so x <= 0): Cephes' expf, x = n ln 2 + r with |r| <= ln 2 / 2, e^r by
     * a polynomial of degree 7, 2^n written into the exponent bits.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = c.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(broadcast(-LN2_LOW), n.fma(broadcast(-LN2_HIGH), c));
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, broadcast(8.3334519073e-3f));
        p = p.fma(r, broadcast(4.1665795894e-2f));
        p = p.fma(r, broadcast(1.6666665459e-1f));
        p = p.fma(r, broadcast(5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector bits = t.reinterpretAsInts().add(127 - ROUNDER_BITS).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }
}
