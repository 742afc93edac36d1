package io.vcaps.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * {@link RoutingKernel}'s routing by agreement in float32 vector code (the JDK Vector API, {@link Lanes}): the
 * kernel of float32 networks, while {@link RoutingKernel} stays the double-precision reference that the
 * finite-difference gradient checks run on. Same procedure, same layout (u_hat as K*D rows of the children, b and c
 * as K rows), same order of operations per element; every loop over children runs in whole vectors over rows padded
 * to {@link #width} with zeros, and the padding never reaches a result (its votes are zero, so its coupling
 * coefficients, gradients and contributions to every sum are zero or multiplied by zero).
 *
 * <p>Accuracy: FloatRoutingKernelTest holds forward and backward within 1e-4 (relative to each output's largest
 * magnitude) of the double kernel on random votes. Determinism: sums over children run in per-lane partial sums
 * folded in a fixed order and the softmax's exponential is a fixed polynomial, so the same machine (the same lane
 * count of {@link FloatVector#SPECIES_PREFERRED}) and the same inputs give the same bits; a CPU with other vector
 * widths gives results that differ in the last bits.
 */
public final class FloatRoutingKernel {

    public final int children;
    public final int parents;
    public final int dim;
    public final int routings;
    /** Children rounded up to whole vectors: the length of every row over children. */
    public final int width;
    /** Four lanes: the du_hat pass's vectors where D is not a multiple of this CPU's lane count. */
    private static final VectorSpecies<Float> QUARTERS = FloatVector.SPECIES_128;

    /**
     * The path float32 routing takes on this CPU, for a job's start line: "float32 vectors of 8 lanes (256-bit)"
     * with AVX2, 16 lanes (512-bit) with AVX-512. A CPU without either takes narrower vectors, not another jar.
     */
    public static String path() {
        return "float32 vectors of " + Lanes.LENGTH + " lanes (" + Lanes.SPECIES.vectorBitSize() + "-bit)";
    }

    public FloatRoutingKernel(int children, int parents, int dim, int routings) {
        this.children = children;
        this.parents = parents;
        this.dim = dim;
        this.routings = routings;
        this.width = Lanes.padded(children);
    }

    /** An image's u_hat: K*D rows (parent k, dimension d at k*D + d) of {@link #width}, zero past the children. */
    public float[][] newVotes() {
        return new float[parents * dim][width];
    }

    /** An image's dL/du_hat: N rows (children) of K*D. */
    public float[][] newVoteGradients() {
        return new float[children][parents * dim];
    }

    /** What one image's forward pass keeps for its backward pass: c [K][width] of iterations 1.., s and v of all. */
    public final class Trace {
        final float[][] c = new float[Math.max(routings - 1, 0) * parents][width];
        final float[] s = new float[routings * parents * dim];
        public final float[] v = new float[routings * parents * dim];
    }

    /** Scratch reused by one thread across images, as {@link RoutingKernel.Scratch}. */
    public final class Scratch {
        final float[][] logits = new float[parents][width];
        final float[][] dLogits = new float[Math.max(routings - 1, 0) * parents][width];
        final float[][] dc = new float[parents][width];
        final float[] perChild = new float[width];
        final float[] dv = new float[parents * dim];
        final float[][] ds = new float[routings][parents * dim];
        final float[][] vByIteration = new float[routings][parents * dim];
    }

    private int couplingRow(int r, int k) {
        return (r - 1) * parents + k;
    }

    /** Output capsules [K*D] of a traced forward pass start here in {@code trace.v}. */
    public int outputOffset() {
        return (routings - 1) * parents * dim;
    }

    /** Routes one image's u_hat; leaves the output capsules in {@code trace.v} at {@link #outputOffset}. */
    public void forward(float[][] uhat, Trace trace, Scratch scratch) {
        int kd = parents * dim;
        float[][] b = scratch.logits;
        for (float[] row : b) {
            Arrays.fill(row, 0f);
        }
        for (int i = 0; i < kd; i++) {
            trace.s[i] = Lanes.sum(uhat[i], width) / parents;
        }
        squashAll(trace, 0);
        for (int r = 1; r < routings; r++) {
            int previous = (r - 1) * kd;
            int current = r * kd;
            for (int i = 0; i < kd; i++) {
                Lanes.axpy(trace.v[previous + i], uhat[i], b[i / dim], width);
            }
            softmaxOverParents(b, trace.c, couplingRow(r, 0));
            for (int k = 0; k < parents; k++) {
                dots(trace.c[couplingRow(r, k)], uhat, k * dim, trace.s, current + k * dim, dim);
            }
            squashAll(trace, r);
        }
    }

    private void squashAll(Trace trace, int r) {
        int off = r * parents * dim;
        for (int k = 0; k < parents; k++) {
            Squash.forward(trace.s, off + k * dim, trace.v, off + k * dim, dim);
        }
    }

    /** c[first + k] = softmax over k of b[k], a vector of children at a time, all K rows per vector. */
    private void softmaxOverParents(float[][] b, float[][] c, int first) {
        VectorSpecies<Float> species = Lanes.SPECIES;
        for (int i = 0; i < width; i += Lanes.LENGTH) {
            FloatVector max = FloatVector.fromArray(species, b[0], i);
            for (int k = 1; k < parents; k++) {
                max = max.max(FloatVector.fromArray(species, b[k], i));
            }
            FloatVector total = FloatVector.zero(species);
            for (int k = 0; k < parents; k++) {
                FloatVector e = Lanes.exp(FloatVector.fromArray(species, b[k], i).sub(max));
                e.intoArray(c[first + k], i);
                total = total.add(e);
            }
            FloatVector inverse = FloatVector.broadcast(species, 1f).div(total);
            for (int k = 0; k < parents; k++) {
                FloatVector.fromArray(species, c[first + k], i).mul(inverse).intoArray(c[first + k], i);
            }
        }
    }

    /**
     * Given dL/dv for the output capsules (read from {@code dvOut} at {@code dvOff}), writes dL/du_hat into
     * {@code duhat} (overwritten) child by child, as {@link RoutingKernel#backward}.
     */
    public void backward(float[][] uhat, Trace trace, float[] dvOut, int dvOff, float[][] duhat, Scratch scratch) {
        int kd = parents * dim;
        VectorSpecies<Float> species = Lanes.SPECIES;
        float[][] dc = scratch.dc;
        float[] weighted = scratch.perChild;
        float[] dv = scratch.dv;
        System.arraycopy(dvOut, dvOff, dv, 0, kd);
        for (int r = routings - 1; r >= 1; r--) {
            squashBackward(trace, r, dv, scratch.ds[r]);
            for (float[] row : dc) {
                Arrays.fill(row, 0f);
            }
            for (int i = 0; i < kd; i++) {
                Lanes.axpy(scratch.ds[r][i], uhat[i], dc[i / dim], width);
            }
            boolean carry = r + 1 < routings;
            for (int i = 0; i < width; i += Lanes.LENGTH) {
                FloatVector w = FloatVector.zero(species);
                for (int k = 0; k < parents; k++) {
                    w = FloatVector.fromArray(species, trace.c[couplingRow(r, k)], i)
                            .fma(FloatVector.fromArray(species, dc[k], i), w);
                }
                w.intoArray(weighted, i);
            }
            for (int k = 0; k < parents; k++) {
                float[] ck = trace.c[couplingRow(r, k)];
                float[] dck = dc[k];
                float[] dbk = scratch.dLogits[couplingRow(r, k)];
                float[] carried = carry ? scratch.dLogits[couplingRow(r + 1, k)] : null;
                for (int i = 0; i < width; i += Lanes.LENGTH) {
                    FloatVector db = FloatVector.fromArray(species, ck, i).mul(
                            FloatVector.fromArray(species, dck, i).sub(FloatVector.fromArray(species, weighted, i)));
                    if (carried != null) {
                        db = db.add(FloatVector.fromArray(species, carried, i));
                    }
                    db.intoArray(dbk, i);
                }
            }
            for (int k = 0; k < parents; k++) {
                dots(scratch.dLogits[couplingRow(r, k)], uhat, k * dim, dv, k * dim, dim);
            }
        }
        squashBackward(trace, 0, dv, scratch.ds[0]);
        float[][] ds = scratch.ds;
        float[][] v = scratch.vByIteration;
        for (int r = 0; r < routings; r++) {
            System.arraycopy(trace.v, r * kd, v[r], 0, kd);
        }
        for (int i = 0; i < kd; i++) {
            ds[0][i] /= parents;
        }
        for (int j = 0; j < children; j++) {
            voteGradient(j, trace, scratch, duhat[j]);
        }
    }

    /**
     * Child j's dL/du_hat [K*D]: ds^0 / K + sum over r >= 1 of c^r[k][j] ds^r[k] + dL/db^r[k][j] v^{r-1}[k], each
     * capsule's D entries held in vectors across the iterations: whole vectors of this CPU where they divide D
     * (16 with AVX-512 or AVX2), else 128-bit ones where four divide it, else one by one. Each branch names its
     * species as a constant, as C2 needs to compile Vector API calls to vector instructions.
     */
    private void voteGradient(int j, Trace trace, Scratch scratch, float[] du) {
        float[][] ds = scratch.ds;
        float[][] v = scratch.vByIteration;
        for (int k = 0; k < parents; k++) {
            int from = k * dim;
            int to = from + dim;
            if (dim % Lanes.LENGTH == 0) {
                for (int i = from; i < to; i += Lanes.LENGTH) {
                    FloatVector acc = FloatVector.fromArray(Lanes.SPECIES, ds[0], i);
                    for (int r = 1; r < routings; r++) {
                        FloatVector c = FloatVector.broadcast(Lanes.SPECIES, trace.c[couplingRow(r, k)][j]);
                        FloatVector g = FloatVector.broadcast(Lanes.SPECIES, scratch.dLogits[couplingRow(r, k)][j]);
                        acc = FloatVector.fromArray(Lanes.SPECIES, ds[r], i).fma(c, acc);
                        acc = FloatVector.fromArray(Lanes.SPECIES, v[r - 1], i).fma(g, acc);
                    }
                    acc.intoArray(du, i);
                }
            } else if (dim % QUARTERS.length() == 0 && QUARTERS.length() <= Lanes.LENGTH) {
                for (int i = from; i < to; i += QUARTERS.length()) {
                    FloatVector acc = FloatVector.fromArray(QUARTERS, ds[0], i);
                    for (int r = 1; r < routings; r++) {
                        FloatVector c = FloatVector.broadcast(QUARTERS, trace.c[couplingRow(r, k)][j]);
                        FloatVector g = FloatVector.broadcast(QUARTERS, scratch.dLogits[couplingRow(r, k)][j]);
                        acc = FloatVector.fromArray(QUARTERS, ds[r], i).fma(c, acc);
                        acc = FloatVector.fromArray(QUARTERS, v[r - 1], i).fma(g, acc);
                    }
                    acc.intoArray(du, i);
                }
            } else {
                for (int i = from; i < to; i++) {
                    float acc = ds[0][i];
                    for (int r = 1; r < routings; r++) {
                        acc = Math.fma(ds[r][i], trace.c[couplingRow(r, k)][j], acc);
                        acc = Math.fma(v[r - 1][i], scratch.dLogits[couplingRow(r, k)][j], acc);
                    }
                    du[i] = acc;
                }
            }
        }
    }

    private void squashBackward(Trace trace, int r, float[] dv, float[] ds) {
        int off = r * parents * dim;
        for (int k = 0; k < parents; k++) {
            Squash.backward(trace.s, off + k * dim, dv, k * dim, ds, k * dim, dim);
        }
    }

    /**
     * out[outOff + j] = x . rows[first + j] for j < count, over {@link #width}: four rows per pass against one
     * load of x, each in a vector of partial sums folded by {@link Lanes#sum}.
     */
    private void dots(float[] x, float[][] rows, int first, float[] out, int outOff, int count) {
        VectorSpecies<Float> species = Lanes.SPECIES;
        int j = 0;
        for (; j + 4 <= count; j += 4) {
            float[] y0 = rows[first + j];
            float[] y1 = rows[first + j + 1];
            float[] y2 = rows[first + j + 2];
            float[] y3 = rows[first + j + 3];
            FloatVector a0 = FloatVector.zero(species);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int i = 0; i < width; i += Lanes.LENGTH) {
                FloatVector xi = FloatVector.fromArray(species, x, i);
                a0 = xi.fma(FloatVector.fromArray(species, y0, i), a0);
                a1 = xi.fma(FloatVector.fromArray(species, y1, i), a1);
                a2 = xi.fma(FloatVector.fromArray(species, y2, i), a2);
                a3 = xi.fma(FloatVector.fromArray(species, y3, i), a3);
            }
            out[outOff + j] = Lanes.sum(a0);
            out[outOff + j + 1] = Lanes.sum(a1);
            out[outOff + j + 2] = Lanes.sum(a2);
            out[outOff + j + 3] = Lanes.sum(a3);
        }
        for (; j < count; j++) {
            out[outOff + j] = Lanes.dot(x, rows[first + j], width);
        }
    }
}
