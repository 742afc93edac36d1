package io.vcaps.core.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The routing layer's three products of one small matrix per child, in float32 on the kernel threads: votes
 * u_hat[n] = u[n] W[n], and in the backward pass dW[n] = u[n]^T du_hat[n] and du[n] = du_hat[n] W[n]^T, with u
 * [N, B, I], W [N, I, P], du_hat [N, B, P] and the votes written image by image, [B, P, N]. libnd4j's batched
 * matmul runs these 1600 products of [100 x 8] x [8 x 160] at about 7 GFLOP/s here (60-80 ms for a mnist-small
 * batch of 100); one child's W is 5 KB, so a loop per child keeps it in L1. Each row lives in its own array,
 * indexed like every other array of its loop, as C2's superword vectoriser needs. Other types (float64 for the
 * gradient checks) and non-contiguous arrays go through {@code Nd4j.matmul}; ChildProductsTest holds the two equal.
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
            wide = new float[out];
            narrow = new float[batch * in];
            narrowOut = new float[batch * in];
        }

        boolean fits(int in, int out, int batch) {
            return w.length == in && wide.length == out && narrow.length >= batch * in;
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
                    Arrays.fill(v, 0f);
                    for (int i = 0; i < in; i++) {
                        axpy(tile.u[j][b * in + i], tile.w[j][i], v);
                    }
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
            for (float[] row : r.dw) {
                Arrays.fill(row, 0f);
            }
            FloatBuffer gView = gBuffer.duplicate().position(n * batch * out);
            float[] g = r.wide;
            for (int b = 0; b < batch; b++) {
                gView.get(g);
                for (int i = 0; i < in; i++) {
                    axpy(r.narrow[b * in + i], g, r.dw[i]);
                    r.narrowOut[b * in + i] = dot(g, r.w[i]);
                }
            }
            FloatBuffer dwView = dwBuffer.duplicate().position(n * in * out);
            for (int i = 0; i < in; i++) {
                dwView.put(r.dw[i]);
            }
            duBuffer.duplicate().position(n * batch * in).put(r.narrowOut, 0, batch * in);
        });
    }

    /** y += a x. */
    private static void axpy(float a, float[] x, float[] y) {
        for (int p = 0; p < y.length; p++) {
            y[p] += a * x[p];
        }
    }

    /** x . y, in eight interleaved partial sums (one running sum is a chain of dependent adds). */
    private static float dot(float[] x, float[] y) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        int p = 0;
        for (; p + 8 <= x.length; p += 8) {
            s0 += x[p] * y[p];
            s1 += x[p + 1] * y[p + 1];
            s2 += x[p + 2] * y[p + 2];
            s3 += x[p + 3] * y[p + 3];
            s4 += x[p + 4] * y[p + 4];
            s5 += x[p + 5] * y[p + 5];
            s6 += x[p + 6] * y[p + 6];
            s7 += x[p + 7] * y[p + 7];
        }
        for (; p < x.length; p++) {
            s0 += x[p] * y[p];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    private static FloatBuffer buffer(INDArray a) {
        return a.data().asNioFloat().position((int) a.offset()).slice();
    }
}
