package io.vcaps.core.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The capsule non-linearity of Sabour et al.: v = |s|^2 / (1 + |s|^2) * s / sqrt(|s|^2 + eps), which keeps a
 * vector's direction and maps its length into [0, 1). One vector inside a plain array (the routing kernel), or
 * every row of an ND4J matrix (primary capsules) through the same code on the kernel threads.
 */
public final class Squash {

    public static final double EPS = 1e-8;

    private Squash() {
    }

    /** f(n2) with v = f(n2) s. */
    public static double scale(double n2) {
        return n2 / (1 + n2) / Math.sqrt(n2 + EPS);
    }

    /** f'(n2). */
    public static double scaleDerivative(double n2) {
        double root = Math.sqrt(n2 + EPS);
        return 1 / ((1 + n2) * (1 + n2) * root) - 0.5 * n2 / ((1 + n2) * root * (n2 + EPS));
    }

    /** v[vOff..] = squash(s[sOff..]) over {@code dim} entries. */
    public static void forward(double[] s, int sOff, double[] v, int vOff, int dim) {
        double n2 = 0;
        for (int i = 0; i < dim; i++) {
            n2 += s[sOff + i] * s[sOff + i];
        }
        double f = scale(n2);
        for (int i = 0; i < dim; i++) {
            v[vOff + i] = f * s[sOff + i];
        }
    }

    /** ds[dsOff..] = (dv/ds)^T dv: f dv + 2 f'(n2) (s . dv) s. */
    public static void backward(double[] s, int sOff, double[] dv, int dvOff, double[] ds, int dsOff, int dim) {
        double n2 = 0;
        double sdv = 0;
        for (int i = 0; i < dim; i++) {
            n2 += s[sOff + i] * s[sOff + i];
            sdv += s[sOff + i] * dv[dvOff + i];
        }
        double f = scale(n2);
        double g = 2 * scaleDerivative(n2) * sdv;
        for (int i = 0; i < dim; i++) {
            ds[dsOff + i] = f * dv[dvOff + i] + g * s[sOff + i];
        }
    }

    /** {@link #forward} on float32 vectors, computed in double. */
    public static void forward(float[] s, int sOff, float[] v, int vOff, int dim) {
        double n2 = 0;
        for (int i = 0; i < dim; i++) {
            n2 += (double) s[sOff + i] * s[sOff + i];
        }
        double f = scale(n2);
        for (int i = 0; i < dim; i++) {
            v[vOff + i] = (float) (f * s[sOff + i]);
        }
    }

    /** {@link #backward} on float32 vectors, computed in double. */
    public static void backward(float[] s, int sOff, float[] dv, int dvOff, float[] ds, int dsOff, int dim) {
        double n2 = 0;
        double sdv = 0;
        for (int i = 0; i < dim; i++) {
            n2 += (double) s[sOff + i] * s[sOff + i];
            sdv += (double) s[sOff + i] * dv[dvOff + i];
        }
        double f = scale(n2);
        double g = 2 * scaleDerivative(n2) * sdv;
        for (int i = 0; i < dim; i++) {
            ds[dsOff + i] = (float) (f * dv[dvOff + i] + g * s[sOff + i]);
        }
    }

    /** Rows per task of the row kernels: enough work to amortise a task, few enough to spread a batch. */
    private static final int ROWS_PER_TASK = 512;

    /** Per thread: the row kernels' blocks of s, v or dv, ds, and float staging. */
    private static final ThreadArrays SCRATCH = new ThreadArrays(1, 3);

    /** out = squash of each row of z [rows, dim]; both contiguous. */
    public static void rows(INDArray z, INDArray out, int dim) {
        HostView in = new HostView(z);
        HostView result = new HostView(out);
        inRowBlocks(z.length(), dim, (first, len) -> {
            double[] s = SCRATCH.doubles(0, len);
            double[] v = SCRATCH.doubles(1, len);
            float[] staging = SCRATCH.floats(0, len);
            in.read(first, s, 0, len, staging);
            for (int off = 0; off < len; off += dim) {
                forward(s, off, v, off, dim);
            }
            result.write(first, v, 0, len, staging);
        });
    }

    /** dz = backward of {@link #rows} given dL/dout, row by row; all contiguous. */
    public static void rowsBackward(INDArray z, INDArray dOut, INDArray dz, int dim) {
        HostView in = new HostView(z);
        HostView grad = new HostView(dOut);
        HostView result = new HostView(dz);
        inRowBlocks(z.length(), dim, (first, len) -> {
            double[] s = SCRATCH.doubles(0, len);
            double[] dv = SCRATCH.doubles(1, len);
            double[] ds = SCRATCH.doubles(2, len);
            float[] staging = SCRATCH.floats(0, len);
            in.read(first, s, 0, len, staging);
            grad.read(first, dv, 0, len, staging);
            for (int off = 0; off < len; off += dim) {
                backward(s, off, dv, off, ds, off, dim);
            }
            result.write(first, ds, 0, len, staging);
        });
    }

    private interface RowBlock {
        void run(long firstElement, int length);
    }

    /** Splits {@code length} elements of {@code dim}-wide rows into blocks of whole rows, run on the kernel threads. */
    private static void inRowBlocks(long length, int dim, RowBlock block) {
        long rows = length / dim;
        KernelThreads.forEachImage(Math.toIntExact((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK), task -> {
            long first = (long) task * ROWS_PER_TASK;
            block.run(first * dim, Math.toIntExact(Math.min(ROWS_PER_TASK, rows - first) * dim));
        });
    }
}
