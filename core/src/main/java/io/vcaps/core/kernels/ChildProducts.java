package io.vcaps.core.kernels;

import jdk.incubator.vector.FloatVector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The routing layer's three products of one small matrix per child, in float32 on the kernel threads: votes
 * u_hat[n] = u[n] W[n], and in the backward pass dW[n] = u[n]^T du_hat[n] and du[n] = du_hat[n] W[n]^T, with u
 * [N, B, I], W [N, I, P], du_hat [N, B, P] and the votes written image by image, [B, P, N]. libnd4j's batched
 * matmul runs these 1600 products of [100 x 8] x [8 x 160] at about 7 GFLOP/s here (60-80 ms for a mnist-small
 * batch of 100); one child's W is 5 KB, so a loop per child keeps it in L1. The loops run in the JDK Vector API's
 * widest vectors of this CPU ({@link Lanes}), each output vector summed in registers over four rows of W (votes)
 * or over the batch (dW) and stored once; the sums over P of du are vectors of partial sums folded in a fixed
 * order, so the same machine gives the same bits run after run. Other types (float64 for the gradient checks) and
 * non-contiguous arrays go through {@code Nd4j.matmul}; ChildProductsTest holds the two equal.
 */
public final class ChildProducts {

    private ChildProducts() {
    }

    public static boolean applies(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || !HostView.contiguous(a)) {
                return false;
            }
        }
        return true;
    }

    /** Per-thread rows of one child's slices. */
    private static final class Rows {
        final float[][] w;
        final float[][] dw;
        final float[] wide;
        final float[] narrow;
        final float[] narrowOut;

        Rows(int in, int out, int batch) {
            w = new float[in][out];
            dw = new float[in][out];
            wide = new float[batch * out];
            narrow = new float[batch * in];
            narrowOut = new float[batch * in];
        }

        boolean fits(int in, int out, int batch) {
            return w.length == in && w[0].length == out && narrow.length >= batch * in && wide.length >= batch * out;
        }
    }

    private static final ThreadLocal<Rows> ROWS = new ThreadLocal<>();

    /** This thread's rows, holding child n's W [in][out] and u [batch * in]. */
    private static Rows child(int n, FloatBuffer u, FloatBuffer w, int in, int out, int batch) {
        Rows r = ROWS.get();
        if (r == null || !r.fits(in, out, batch)) {
            r = new Rows(in, out, batch);
            ROWS.set(r);
        }
        load(n, u, w, batch, r.w, r.narrow);
        return r;
    }

    /** Child n's W into {@code wRows} [in][out] and its u into the front of {@code uRow} [batch * in]. */
    private static void load(int n, FloatBuffer u, FloatBuffer w, int batch, float[][] wRows, float[] uRow) {
        int in = wRows.length;
        FloatBuffer wView = w.duplicate().position(n * in * wRows[0].length);
        for (float[] row : wRows) {
            wView.get(row);
        }
        u.duplicate().position(n * batch * in).get(uRow, 0, batch * in);
    }

    /** Children per tile of {@link #votes}: 256-byte runs of each output row (16, one cache line, measured slower). */
    private static final int TILE = 64;

    /** Per-thread arrays of one tile of children: their W and u, and their votes for one image, transposed. */
    private static final class Tile {
        final float[][][] w;
        final float[][] u;
        final float[] v;
        final float[][] columns;

        Tile(int in, int out, int batch) {
            w = new float[TILE][in][out];
            u = new float[TILE][batch * in];
            v = new float[out];
            columns = new float[out][TILE];
        }

        boolean fits(int in, int out, int batch) {
            return w[0].length == in && v.length == out && u[0].length >= batch * in;
        }
    }

    private static final ThreadLocal<Tile> TILES = new ThreadLocal<>();

    /**
     * The votes u_hat = u[n] W[n] of every child n, written image by image with children innermost, [B, P, N]: the
     * layout the routing kernel reads, so that each image's votes are P contiguous rows. Children go in tiles of
     * {@link #TILE}, each image's tile of votes transposed in L1 and written as P runs of a cache line each.
     */
    public static void votes(INDArray u, INDArray w, INDArray votesByImage) {
        int children = (int) u.size(0);
        int batch = (int) u.size(1);
        int in = (int) u.size(2);
        int out = (int) w.size(2);
        FloatBuffer uBuffer = buffer(u);
        FloatBuffer wBuffer = buffer(w);
        FloatBuffer vBuffer = buffer(votesByImage);
        KernelThreads.forEachImage((children + TILE - 1) / TILE, t -> {
            int first = t * TILE;
            int count = Math.min(TILE, children - first);
            Tile tile = TILES.get();
            if (tile == null || !tile.fits(in, out, batch)) {
                tile = new Tile(in, out, batch);
                TILES.set(tile);
            }
            for (int j = 0; j < count; j++) {
                load(first + j, uBuffer, wBuffer, batch, tile.w[j], tile.u[j]);
            }
            FloatBuffer vView = vBuffer.duplicate();
            float[] v = tile.v;
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < count; j++) {
                    vote(tile.u[j], b * in, tile.w[j], v);
                    for (int p = 0; p < out; p++) {
                        tile.columns[p][j] = v[p];
                    }
                }
                for (int p = 0; p < out; p++) {
                    vView.put(((b * out) + p) * children + first, tile.columns[p], 0, count);
                }
            }
        });
    }

    /**
     * v = u[uOff..uOff + in) W, four rows of W per pass over v with their factors broadcast once per pass: C2 (Java
     * 17) runs the form with the sum over all rows in one loop-carried vector at a fifth of this speed.
     */
    private static void vote(float[] u, int uOff, float[][] w, float[] v) {
        int in = w.length;
        int out = v.length;
        int bound = Lanes.SPECIES.loopBound(out);
        Arrays.fill(v, 0f);
        int i = 0;
        for (; i + 4 <= in; i += 4) {
            float[] w0 = w[i];
            float[] w1 = w[i + 1];
            float[] w2 = w[i + 2];
            float[] w3 = w[i + 3];
            FloatVector u0 = FloatVector.broadcast(Lanes.SPECIES, u[uOff + i]);
            FloatVector u1 = FloatVector.broadcast(Lanes.SPECIES, u[uOff + i + 1]);
            FloatVector u2 = FloatVector.broadcast(Lanes.SPECIES, u[uOff + i + 2]);
            FloatVector u3 = FloatVector.broadcast(Lanes.SPECIES, u[uOff + i + 3]);
            for (int p = 0; p < bound; p += Lanes.LENGTH) {
                FloatVector acc = FloatVector.fromArray(Lanes.SPECIES, w0, p).fma(u0,
                        FloatVector.fromArray(Lanes.SPECIES, v, p));
                acc = FloatVector.fromArray(Lanes.SPECIES, w1, p).fma(u1, acc);
                acc = FloatVector.fromArray(Lanes.SPECIES, w2, p).fma(u2, acc);
                acc = FloatVector.fromArray(Lanes.SPECIES, w3, p).fma(u3, acc);
                acc.intoArray(v, p);
            }
            for (int p = bound; p < out; p++) {
                v[p] = Math.fma(w3[p], u[uOff + i + 3], Math.fma(w2[p], u[uOff + i + 2],
                        Math.fma(w1[p], u[uOff + i + 1], Math.fma(w0[p], u[uOff + i], v[p]))));
            }
        }
        for (; i < in; i++) {
            Lanes.axpy(u[uOff + i], w[i], v, out);
        }
    }

    /** dW[n] = u[n]^T du_hat[n] and du[n] = du_hat[n] W[n]^T for every child n. */
    public static void backward(INDArray u, INDArray w, INDArray duhat, INDArray dw, INDArray du) {
        int batch = (int) u.size(1);
        int in = (int) u.size(2);
        int out = (int) w.size(2);
        FloatBuffer uBuffer = buffer(u);
        FloatBuffer wBuffer = buffer(w);
        FloatBuffer gBuffer = buffer(duhat);
        FloatBuffer dwBuffer = buffer(dw);
        FloatBuffer duBuffer = buffer(du);
        KernelThreads.forEachImage((int) u.size(0), n -> {
            Rows r = child(n, uBuffer, wBuffer, in, out, batch);
            gBuffer.duplicate().position(n * batch * out).get(r.wide, 0, batch * out);
            weightGradient(r.narrow, r.wide, batch, r.dw);
            inputGradient(r.wide, r.w, batch, r.narrowOut);
            FloatBuffer dwView = dwBuffer.duplicate().position(n * in * out);
            for (int i = 0; i < in; i++) {
                dwView.put(r.dw[i]);
            }
            duBuffer.duplicate().position(n * batch * in).put(r.narrowOut, 0, batch * in);
        });
    }

    /**
     * dw[i] = sum over b of u[b, i] g[b, :], for u [batch * in] and g [batch * out]: four rows of dW at a time,
     * each vector of them summed over the batch in a register.
     */
    private static void weightGradient(float[] u, float[] g, int batch, float[][] dw) {
        int in = dw.length;
        int out = dw[0].length;
        int bound = Lanes.SPECIES.loopBound(out);
        int i = 0;
        for (; i + 4 <= in; i += 4) {
            for (int p = 0; p < bound; p += Lanes.LENGTH) {
                FloatVector a0 = FloatVector.zero(Lanes.SPECIES);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int b = 0; b < batch; b++) {
                    FloatVector gb = FloatVector.fromArray(Lanes.SPECIES, g, b * out + p);
                    int at = b * in + i;
                    a0 = gb.fma(FloatVector.broadcast(Lanes.SPECIES, u[at]), a0);
                    a1 = gb.fma(FloatVector.broadcast(Lanes.SPECIES, u[at + 1]), a1);
                    a2 = gb.fma(FloatVector.broadcast(Lanes.SPECIES, u[at + 2]), a2);
                    a3 = gb.fma(FloatVector.broadcast(Lanes.SPECIES, u[at + 3]), a3);
                }
                a0.intoArray(dw[i], p);
                a1.intoArray(dw[i + 1], p);
                a2.intoArray(dw[i + 2], p);
                a3.intoArray(dw[i + 3], p);
            }
        }
        for (; i < in; i++) {
            for (int p = 0; p < bound; p += Lanes.LENGTH) {
                FloatVector a = FloatVector.zero(Lanes.SPECIES);
                for (int b = 0; b < batch; b++) {
                    a = FloatVector.fromArray(Lanes.SPECIES, g, b * out + p)
                            .fma(FloatVector.broadcast(Lanes.SPECIES, u[b * in + i]), a);
                }
                a.intoArray(dw[i], p);
            }
        }
        for (int row = 0; row < in; row++) {
            for (int p = bound; p < out; p++) {
                float acc = 0f;
                for (int b = 0; b < batch; b++) {
                    acc = Math.fma(g[b * out + p], u[b * in + row], acc);
                }
                dw[row][p] = acc;
            }
        }
    }

    /**
     * du[b, i] = g[b, :] . w[i] for g [batch * out]: per image, four rows of W against one load of g, each dot
     * product in a vector of partial sums folded in a fixed order ({@link Lanes#sum}).
     */
    private static void inputGradient(float[] g, float[][] w, int batch, float[] du) {
        int in = w.length;
        int out = w[0].length;
        int bound = Lanes.SPECIES.loopBound(out);
        for (int b = 0; b < batch; b++) {
            int gOff = b * out;
            int i = 0;
            for (; i + 4 <= in; i += 4) {
                float[] w0 = w[i];
                float[] w1 = w[i + 1];
                float[] w2 = w[i + 2];
                float[] w3 = w[i + 3];
                FloatVector a0 = FloatVector.zero(Lanes.SPECIES);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int p = 0; p < bound; p += Lanes.LENGTH) {
                    FloatVector gb = FloatVector.fromArray(Lanes.SPECIES, g, gOff + p);
                    a0 = gb.fma(FloatVector.fromArray(Lanes.SPECIES, w0, p), a0);
                    a1 = gb.fma(FloatVector.fromArray(Lanes.SPECIES, w1, p), a1);
                    a2 = gb.fma(FloatVector.fromArray(Lanes.SPECIES, w2, p), a2);
                    a3 = gb.fma(FloatVector.fromArray(Lanes.SPECIES, w3, p), a3);
                }
                du[b * in + i] = tail(g, gOff, w0, bound, Lanes.sum(a0));
                du[b * in + i + 1] = tail(g, gOff, w1, bound, Lanes.sum(a1));
                du[b * in + i + 2] = tail(g, gOff, w2, bound, Lanes.sum(a2));
                du[b * in + i + 3] = tail(g, gOff, w3, bound, Lanes.sum(a3));
            }
            for (; i < in; i++) {
                FloatVector a = FloatVector.zero(Lanes.SPECIES);
                for (int p = 0; p < bound; p += Lanes.LENGTH) {
                    a = FloatVector.fromArray(Lanes.SPECIES, g, gOff + p)
                            .fma(FloatVector.fromArray(Lanes.SPECIES, w[i], p), a);
                }
                du[b * in + i] = tail(g, gOff, w[i], bound, Lanes.sum(a));
            }
        }
    }

    /** s plus g[gOff + p] w[p] for p from {@code from} to the end of w: the part of a dot past whole vectors. */
    private static float tail(float[] g, int gOff, float[] w, int from, float s) {
        float acc = s;
        for (int p = from; p < w.length; p++) {
            acc = Math.fma(g[gOff + p], w[p], acc);
        }
        return acc;
    }

    private static FloatBuffer buffer(INDArray a) {
        return a.data().asNioFloat().position((int) a.offset()).slice();
    }
}
