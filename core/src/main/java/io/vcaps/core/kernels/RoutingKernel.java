package io.vcaps.core.kernels;

import java.util.Arrays;

/**
 * Routing by agreement (Sabour et al. 2017, Procedure 1) for one image, forward and backward, on plain arrays.
 *
 * <p>An image's predictions u_hat are about two megabytes in double: small enough to stay close to the core for
 * all r iterations, which is why routing runs image by image here instead of as whole-batch tensor operations that
 * stream the batch's u_hat through memory a dozen times.
 *
 * <pre>
 *   b = 0
 *   for r in 0..R-1:
 *     c[:,n] = softmax_k(b[:,n])
 *     s[k]   = sum_n c[k,n] u_hat[k,:,n]
 *     v[k]   = squash(s[k])
 *     b[k,n] += u_hat[k,:,n] . v[k]          (r < R-1)
 * </pre>
 *
 * <p>Layout: u_hat is K*D rows of the N children (row k*D + d holds u_hat[k,d,:]), b and c are K rows of N. The
 * loops that carry the arithmetic run along rows, over hundreds to thousands of children: the agreements, the
 * softmax (bar its exp) and the gradient updates are axpys that C2 compiles to vector code, and the sums over
 * children are long dot products. Children outermost ([N][K][D]), the same loops ran along D = 16 as short,
 * dependent reductions at about 2 GFLOP/s. Each row is an array of its own, for the reason given at {@link #axpy}.
 *
 * <p>The backward pass sweeps u_hat twice per iteration (for dL/dc, then for dL/dv of the iteration before),
 * carrying the gradient of the logits b back through every iteration, coupling coefficients included, and writes
 * du_hat in one pass at the end, child by child: rows of K*D, as the layer's batched du_hat wants them.
 *
 * <p>This double kernel runs float64 networks, the finite-difference gradient checks among them, and is the
 * reference of {@link FloatRoutingKernel}, the same procedure in float32 vector code that float32 networks run.
 */
public final class RoutingKernel {

    public final int children;
    public final int parents;
    public final int dim;
    public final int routings;

    public RoutingKernel(int children, int parents, int dim, int routings) {
        this.children = children;
        this.parents = parents;
        this.dim = dim;
        this.routings = routings;
    }

    /** An image's u_hat: K*D rows (parent k, dimension d at k*D + d) of N children. */
    public double[][] newVotes() {
        return new double[parents * dim][children];
    }

    /** An image's dL/du_hat: N rows (children) of K*D. */
    public double[][] newVoteGradients() {
        return new double[children][parents * dim];
    }

    /** What one image's forward pass keeps for its backward pass: c [K][N] of iterations 1.., s and v of all. */
    public final class Trace {
        final double[][] c = new double[Math.max(routings - 1, 0) * parents][children];
        final double[] s = new double[routings * parents * dim];
        public final double[] v = new double[routings * parents * dim];
    }

    /**
     * Scratch reused by one thread across images. The backward pass keeps dL/db^r (rows as in {@code trace.c}) and
     * dL/ds^r [K*D] of every iteration, from which it writes du_hat in one pass at the end; there v^r needs an array
     * of its own per iteration too.
     */
    public final class Scratch {
        final double[][] logits = new double[parents][children];
        final double[][] dLogits = new double[Math.max(routings - 1, 0) * parents][children];
        final double[][] dc = new double[parents][children];
        final double[] perChild = new double[children];
        final double[] dv = new double[parents * dim];
        final double[][] ds = new double[routings][parents * dim];
        final double[][] vByIteration = new double[routings][parents * dim];
    }

    /** Row of parent k's coupling coefficients of iteration r >= 1 in {@code trace.c}. */
    private int couplingRow(int r, int k) {
        return (r - 1) * parents + k;
    }

    /** Routes one image's u_hat; leaves the output capsules in {@code trace.v} at {@link #outputOffset}. */
    public void forward(double[][] uhat, Trace trace, Scratch scratch) {
        int kd = parents * dim;
        double[][] b = scratch.logits;
        for (double[] row : b) {
            Arrays.fill(row, 0);
        }
        for (int i = 0; i < kd; i++) {
            trace.s[i] = sum(uhat[i]) / parents;
        }
        squashAll(trace, 0);
        for (int r = 1; r < routings; r++) {
            int previous = (r - 1) * kd;
            int current = r * kd;
            for (int i = 0; i < kd; i++) {
                axpy(trace.v[previous + i], uhat[i], b[i / dim]);
            }
            softmaxOverParents(b, trace.c, couplingRow(r, 0), scratch.perChild);
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

    /**
     * c[first + k][n] = softmax over k of b[k][n], all children at once, row by row; {@code z} [N] holds each
     * child's largest logit, then its sum of exponentials.
     */
    private void softmaxOverParents(double[][] b, double[][] c, int first, double[] z) {
        int n = children;
        System.arraycopy(b[0], 0, z, 0, n);
        for (int k = 1; k < parents; k++) {
            double[] bk = b[k];
            for (int i = 0; i < n; i++) {
                z[i] = Math.max(z[i], bk[i]);
            }
        }
        for (int k = 0; k < parents; k++) {
            double[] bk = b[k];
            double[] ck = c[first + k];
            for (int i = 0; i < n; i++) {
                ck[i] = Math.exp(bk[i] - z[i]);
            }
        }
        System.arraycopy(c[first], 0, z, 0, n);
        for (int k = 1; k < parents; k++) {
            double[] ck = c[first + k];
            for (int i = 0; i < n; i++) {
                z[i] += ck[i];
            }
        }
        for (int i = 0; i < n; i++) {
            z[i] = 1 / z[i];
        }
        for (int k = 0; k < parents; k++) {
            double[] ck = c[first + k];
            for (int i = 0; i < n; i++) {
                ck[i] *= z[i];
            }
        }
    }

    /** Output capsules [K*D] of a traced forward pass start here in {@code trace.v}. */
    public int outputOffset() {
        return (routings - 1) * parents * dim;
    }

    /**
     * Given dL/dv for the output capsules (read from {@code dvOut} at {@code dvOff}), writes dL/du_hat into
     * {@code duhat} (overwritten) child by child: N rows of K*D, the transpose of u_hat's layout and the layout of
     * the layer's batched du_hat.
     */
    public void backward(double[][] uhat, Trace trace, double[] dvOut, int dvOff, double[][] duhat, Scratch scratch) {
        int n = children;
        int kd = parents * dim;
        double[][] dc = scratch.dc;
        double[] weighted = scratch.perChild;
        double[] dv = scratch.dv;
        System.arraycopy(dvOut, dvOff, dv, 0, kd);
        for (int r = routings - 1; r >= 1; r--) {
            squashBackward(trace, r, dv, scratch.ds[r]);
            // s^r = sum_n c^r u_hat: dL/dc^r[k][n] = u_hat[k,:][n] . ds^r[k].
            for (double[] row : dc) {
                Arrays.fill(row, 0);
            }
            for (int i = 0; i < kd; i++) {
                axpy(scratch.ds[r][i], uhat[i], dc[i / dim]);
            }
            // Through the softmax: dL/db^r = c (dc - sum_k c dc), plus (for r < R-1) dL/db^{r+1}, as
            // b^{r+1} = b^r + agreement.
            Arrays.fill(weighted, 0);
            for (int k = 0; k < parents; k++) {
                double[] ck = trace.c[couplingRow(r, k)];
                double[] dck = dc[k];
                for (int i = 0; i < n; i++) {
                    weighted[i] += ck[i] * dck[i];
                }
            }
            for (int k = 0; k < parents; k++) {
                double[] ck = trace.c[couplingRow(r, k)];
                double[] dck = dc[k];
                double[] dbk = scratch.dLogits[couplingRow(r, k)];
                double[] carried = r + 1 < routings ? scratch.dLogits[couplingRow(r + 1, k)] : null;
                for (int i = 0; i < n; i++) {
                    dbk[i] = ck[i] * (dck[i] - weighted[i]);
                }
                if (carried != null) {
                    axpy(1, carried, dbk);
                }
            }
            // b^r = b^{r-1} + u_hat . v^{r-1}: dL/dv^{r-1}[k] = sum_n dL/db^r[k][n] u_hat[k,:][n].
            for (int k = 0; k < parents; k++) {
                dots(scratch.dLogits[couplingRow(r, k)], uhat, k * dim, dv, k * dim, dim);
            }
        }
        squashBackward(trace, 0, dv, scratch.ds[0]);
        // u_hat reaches the loss through s^0 = sum_n u_hat / K, through s^r = sum_n c^r u_hat, and through the
        // agreements b^r = b^{r-1} + u_hat . v^{r-1}; one pass over the children adds the three up. Per child, the
        // K*D-long vectors each get their own array, indexed alike, so that the short loops over D vectorize.
        double[][] ds = scratch.ds;
        double[][] v = scratch.vByIteration;
        for (int r = 0; r < routings; r++) {
            System.arraycopy(trace.v, r * kd, v[r], 0, kd);
        }
        for (int i = 0; i < kd; i++) {
            ds[0][i] /= parents;
        }
        for (int j = 0; j < n; j++) {
            double[] du = duhat[j];
            System.arraycopy(ds[0], 0, du, 0, kd);
            for (int r = 1; r < routings; r++) {
                double[] dsr = ds[r];
                double[] vPrevious = v[r - 1];
                for (int k = 0; k < parents; k++) {
                    double c = trace.c[couplingRow(r, k)][j];
                    double g = scratch.dLogits[couplingRow(r, k)][j];
                    for (int i = k * dim; i < (k + 1) * dim; i++) {
                        du[i] += c * dsr[i] + g * vPrevious[i];
                    }
                }
            }
        }
    }

    /** ds = (dv^r/ds^r)^T dv. */
    private void squashBackward(Trace trace, int r, double[] dv, double[] ds) {
        int off = r * parents * dim;
        for (int k = 0; k < parents; k++) {
            Squash.backward(trace.s, off + k * dim, dv, k * dim, ds, k * dim, dim);
        }
    }

    /**
     * y += a x, in vector code. C2 (JDK 17) vectorizes a loop only when it can tell that its stores do not overlap
     * its loads of later iterations; for two arrays of one type it can tell that only when both are indexed alike,
     * as here, not for slices at different offsets of what might be one array. Hence rows as arrays of their own.
     */
    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) {
            y[i] += a * x[i];
        }
    }

    /**
     * out[outOff + j] = x . rows[first + j] for j < count. C2 keeps a floating-point sum in order and so never
     * vectorizes it; instead each pass takes four rows against one load of x, with two independent partial sums
     * per row so that the adds do not wait on each other.
     */
    private static void dots(double[] x, double[][] rows, int first, double[] out, int outOff, int count) {
        int j = 0;
        for (; j + 4 <= count; j += 4) {
            double[] y0 = rows[first + j];
            double[] y1 = rows[first + j + 1];
            double[] y2 = rows[first + j + 2];
            double[] y3 = rows[first + j + 3];
            double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
            int len = x.length;
            int i = 0;
            for (; i + 2 <= len; i += 2) {
                double xa = x[i];
                double xb = x[i + 1];
                a0 += xa * y0[i];
                a1 += xa * y1[i];
                a2 += xa * y2[i];
                a3 += xa * y3[i];
                b0 += xb * y0[i + 1];
                b1 += xb * y1[i + 1];
                b2 += xb * y2[i + 1];
                b3 += xb * y3[i + 1];
            }
            if (i < len) {
                a0 += x[i] * y0[i];
                a1 += x[i] * y1[i];
                a2 += x[i] * y2[i];
                a3 += x[i] * y3[i];
            }
            out[outOff + j] = a0 + b0;
            out[outOff + j + 1] = a1 + b1;
            out[outOff + j + 2] = a2 + b2;
            out[outOff + j + 3] = a3 + b3;
        }
        for (; j < count; j++) {
            out[outOff + j] = dot(x, rows[first + j]);
        }
    }

    /** x . y, in eight partial sums. */
    private static double dot(double[] x, double[] y) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int len = y.length;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
            s4 += x[i + 4] * y[i + 4];
            s5 += x[i + 5] * y[i + 5];
            s6 += x[i + 6] * y[i + 6];
            s7 += x[i + 7] * y[i + 7];
        }
        for (; i < len; i++) {
            s0 += x[i] * y[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** Sum of x, in eight partial sums. */
    private static double sum(double[] x) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int len = x.length;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
            s4 += x[i + 4];
            s5 += x[i + 5];
            s6 += x[i + 6];
            s7 += x[i + 7];
        }
        for (; i < len; i++) {
            s0 += x[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }
}
