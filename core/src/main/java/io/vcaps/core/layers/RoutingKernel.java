package io.vcaps.core.layers;

import java.util.Arrays;

/**
 * Routing by agreement (Sabour et al. 2017, Procedure 1) for one image, forward and backward, on plain arrays.
 *
 * <p>An image's predictions u_hat [N children][K parents][D] are about a megabyte: small enough to stay close to
 * the core for all r iterations, which is why routing runs image by image here instead of as whole-batch tensor
 * operations that stream the batch's u_hat through memory a dozen times.
 *
 * <pre>
 *   b = 0
 *   for r in 0..R-1:
 *     c[n,:] = softmax_k(b[n,:])
 *     s[k]   = sum_n c[n,k] u_hat[n,k]
 *     v[k]   = squash(s[k])
 *     b[n,k] += u_hat[n,k] . v[k]          (r < R-1)
 * </pre>
 * Each iteration is one sweep over u_hat: the agreement of iteration r-1, the softmax and the sum of iteration r
 * touch a child's votes together. The backward pass sweeps once per iteration too, carrying the gradient of the
 * logits b back through every iteration, coupling coefficients included.
 */
final class RoutingKernel {

    final int children;
    final int parents;
    final int dim;
    final int routings;

    RoutingKernel(int children, int parents, int dim, int routings) {
        this.children = children;
        this.parents = parents;
        this.dim = dim;
        this.routings = routings;
    }

    /** What one image's forward pass keeps for its backward pass: c of iterations 1.., s and v of all. */
    final class Trace {
        final double[] c = new double[Math.max(routings - 1, 0) * children * parents];
        final double[] s = new double[routings * parents * dim];
        final double[] v = new double[routings * parents * dim];
    }

    /** Scratch reused by one thread across images. */
    final class Scratch {
        final double[] logits = new double[children * parents];
        final double[] dv = new double[parents * dim];
        final double[] dvPrevious = new double[parents * dim];
        final double[] ds = new double[parents * dim];
        final double[] dc = new double[parents];
    }

    /** Coupling coefficients of iteration r >= 1 start here in {@code trace.c}. */
    private int couplingOffset(int r) {
        return (r - 1) * children * parents;
    }

    /** Routes one image's u_hat [N*K*D]; leaves the output capsules in {@code trace.v} at {@link #outputOffset}. */
    void forward(double[] uhat, Trace trace, Scratch scratch) {
        int kd = parents * dim;
        double[] b = scratch.logits;
        Arrays.fill(b, 0);
        Arrays.fill(trace.s, 0, kd, 0);
        for (int n = 0; n < children; n++) {
            for (int i = 0; i < kd; i++) {
                trace.s[i] += uhat[n * kd + i];
            }
        }
        for (int i = 0; i < kd; i++) {
            trace.s[i] /= parents;
        }
        squashAll(trace, 0);
        for (int r = 1; r < routings; r++) {
            int previous = (r - 1) * kd;
            int current = r * kd;
            int cOff = couplingOffset(r);
            Arrays.fill(trace.s, current, current + kd, 0);
            for (int n = 0; n < children; n++) {
                int row = n * parents;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < parents; k++) {
                    int u = n * kd + k * dim;
                    int vk = previous + k * dim;
                    double agreement = 0;
                    for (int d = 0; d < dim; d++) {
                        agreement += uhat[u + d] * trace.v[vk + d];
                    }
                    b[row + k] += agreement;
                    max = Math.max(max, b[row + k]);
                }
                double sum = 0;
                for (int k = 0; k < parents; k++) {
                    double e = Math.exp(b[row + k] - max);
                    trace.c[cOff + row + k] = e;
                    sum += e;
                }
                for (int k = 0; k < parents; k++) {
                    double ck = trace.c[cOff + row + k] / sum;
                    trace.c[cOff + row + k] = ck;
                    int u = n * kd + k * dim;
                    int sk = current + k * dim;
                    for (int d = 0; d < dim; d++) {
                        trace.s[sk + d] += ck * uhat[u + d];
                    }
                }
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

    /** Output capsules [K*D] of a traced forward pass start here in {@code trace.v}. */
    int outputOffset() {
        return (routings - 1) * parents * dim;
    }

    /**
     * Given dL/dv for the output capsules (read from {@code dvOut} at {@code dvOff}), writes dL/du_hat into
     * {@code duhat} [N*K*D] (overwritten).
     */
    void backward(double[] uhat, Trace trace, double[] dvOut, int dvOff, double[] duhat, Scratch scratch) {
        int kd = parents * dim;
        double[] db = scratch.logits;
        double[] dv = scratch.dv;
        double[] ds = scratch.ds;
        double[] dc = scratch.dc;
        Arrays.fill(db, 0);
        Arrays.fill(duhat, 0);
        System.arraycopy(dvOut, dvOff, dv, 0, kd);
        for (int r = routings - 1; r >= 0; r--) {
            int current = r * kd;
            for (int k = 0; k < parents; k++) {
                Squash.backward(trace.s, current + k * dim, dv, k * dim, ds, k * dim, dim);
            }
            if (r == 0) {
                double c0 = 1.0 / parents;
                for (int n = 0; n < children; n++) {
                    for (int i = 0; i < kd; i++) {
                        duhat[n * kd + i] += c0 * ds[i];
                    }
                }
                break;
            }
            int cOff = couplingOffset(r);
            int previous = (r - 1) * kd;
            double[] dvPrevious = scratch.dvPrevious;
            Arrays.fill(dvPrevious, 0);
            for (int n = 0; n < children; n++) {
                int row = n * parents;
                double weighted = 0;
                for (int k = 0; k < parents; k++) {
                    int u = n * kd + k * dim;
                    double ck = trace.c[cOff + row + k];
                    double g = 0;
                    for (int d = 0; d < dim; d++) {
                        duhat[u + d] += ck * ds[k * dim + d];
                        g += uhat[u + d] * ds[k * dim + d];
                    }
                    dc[k] = g;
                    weighted += ck * g;
                }
                for (int k = 0; k < parents; k++) {
                    // db now holds dL/db^r: through c^r, plus (carried) through b^{r+1} = b^r + agreement.
                    double g = db[row + k] + trace.c[cOff + row + k] * (dc[k] - weighted);
                    db[row + k] = g;
                    // b^r = b^{r-1} + u_hat . v^{r-1}: the gradient reaches v^{r-1} and u_hat.
                    int u = n * kd + k * dim;
                    int vk = previous + k * dim;
                    for (int d = 0; d < dim; d++) {
                        dvPrevious[k * dim + d] += g * uhat[u + d];
                        duhat[u + d] += g * trace.v[vk + d];
                    }
                }
            }
            System.arraycopy(dvPrevious, 0, dv, 0, kd);
        }
    }
}
