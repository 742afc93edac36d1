package io.vcaps.core.layers;

/**
 * Routing by agreement (Sabour et al. 2017, Procedure 1) for one image, forward and backward, on plain arrays.
 *
 * <p>An image's predictions u_hat [N children][K parents][D] are about a megabyte: small enough to stay in the
 * core's cache for all r iterations, which is why routing runs image by image here instead of as whole-batch
 * tensor operations that stream the batch's u_hat through memory a dozen times.
 *
 * <pre>
 *   b = 0
 *   for r in 0..R-1:
 *     c[n,:] = softmax_k(b[n,:])
 *     s[k]   = sum_n c[n,k] u_hat[n,k]
 *     v[k]   = squash(s[k])
 *     b[n,k] += u_hat[n,k] . v[k]          (r < R-1)
 * </pre>
 * The gradient flows through every iteration, coupling coefficients included.
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

    /** What one image's forward pass keeps for its backward pass: c, s and v of every iteration. */
    final class Trace {
        final double[] c = new double[routings * children * parents];
        final double[] s = new double[routings * parents * dim];
        final double[] v = new double[routings * parents * dim];
    }

    /** Scratch reused by one thread across images. */
    final class Scratch {
        final double[] logits = new double[children * parents];
        final double[] grad = new double[children * parents];
        final double[] dv = new double[parents * dim];
        final double[] ds = new double[parents * dim];
        final double[] dc = new double[parents];
    }

    /** Routes one image's u_hat [N*K*D]; leaves the output capsules in {@code trace.v}'s last iteration. */
    void forward(double[] uhat, Trace trace, Scratch scratch) {
        int kd = parents * dim;
        double[] b = scratch.logits;
        java.util.Arrays.fill(b, 0);
        for (int r = 0; r < routings; r++) {
            int cOff = r * children * parents;
            int svOff = r * kd;
            softmaxRows(b, trace.c, cOff);
            java.util.Arrays.fill(trace.s, svOff, svOff + kd, 0);
            for (int n = 0; n < children; n++) {
                int uOff = n * kd;
                int cn = cOff + n * parents;
                for (int k = 0; k < parents; k++) {
                    double ck = trace.c[cn + k];
                    int u = uOff + k * dim;
                    int sk = svOff + k * dim;
                    for (int d = 0; d < dim; d++) {
                        trace.s[sk + d] += ck * uhat[u + d];
                    }
                }
            }
            for (int k = 0; k < parents; k++) {
                Squash.forward(trace.s, svOff + k * dim, trace.v, svOff + k * dim, dim);
            }
            if (r < routings - 1) {
                for (int n = 0; n < children; n++) {
                    for (int k = 0; k < parents; k++) {
                        b[n * parents + k] += dot(uhat, n * kd + k * dim, trace.v, svOff + k * dim);
                    }
                }
            }
        }
    }

    /** Output capsules [K*D] of a traced forward pass start here in {@code trace.v}. */
    int outputOffset() {
        return (routings - 1) * parents * dim;
    }

    /**
     * Given dL/dv for the output capsules, writes dL/du_hat into {@code duhat} [N*K*D] (overwritten).
     * {@code dvOut} is read from {@code dvOff}.
     */
    void backward(double[] uhat, Trace trace, double[] dvOut, int dvOff, double[] duhat, Scratch scratch) {
        int kd = parents * dim;
        double[] dbNext = scratch.grad;
        double[] dv = scratch.dv;
        double[] ds = scratch.ds;
        double[] dc = scratch.dc;
        java.util.Arrays.fill(dbNext, 0);
        java.util.Arrays.fill(duhat, 0);
        for (int r = routings - 1; r >= 0; r--) {
            int cOff = r * children * parents;
            int svOff = r * kd;
            if (r == routings - 1) {
                System.arraycopy(dvOut, dvOff, dv, 0, kd);
            } else {
                // b[r+1] = b[r] + u_hat . v[r]: its gradient reaches v[r] and u_hat.
                java.util.Arrays.fill(dv, 0);
                for (int n = 0; n < children; n++) {
                    for (int k = 0; k < parents; k++) {
                        double g = dbNext[n * parents + k];
                        int u = n * kd + k * dim;
                        int vk = svOff + k * dim;
                        for (int d = 0; d < dim; d++) {
                            dv[k * dim + d] += g * uhat[u + d];
                            duhat[u + d] += g * trace.v[vk + d];
                        }
                    }
                }
            }
            for (int k = 0; k < parents; k++) {
                Squash.backward(trace.s, svOff + k * dim, dv, k * dim, ds, k * dim, dim);
            }
            for (int n = 0; n < children; n++) {
                int cn = cOff + n * parents;
                double weighted = 0;
                for (int k = 0; k < parents; k++) {
                    int u = n * kd + k * dim;
                    double ck = trace.c[cn + k];
                    for (int d = 0; d < dim; d++) {
                        duhat[u + d] += ck * ds[k * dim + d];
                    }
                    dc[k] = dot(uhat, u, ds, k * dim);
                    weighted += ck * dc[k];
                }
                if (r > 0) {
                    // b[0] is the constant 0: only later iterations pass gradient back through the softmax.
                    for (int k = 0; k < parents; k++) {
                        dbNext[n * parents + k] += trace.c[cn + k] * (dc[k] - weighted);
                    }
                }
            }
        }
    }

    private double dot(double[] a, int aOff, double[] b, int bOff) {
        double sum = 0;
        for (int d = 0; d < dim; d++) {
            sum += a[aOff + d] * b[bOff + d];
        }
        return sum;
    }

    private void softmaxRows(double[] logits, double[] c, int cOff) {
        for (int n = 0; n < children; n++) {
            int row = n * parents;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < parents; k++) {
                max = Math.max(max, logits[row + k]);
            }
            double sum = 0;
            for (int k = 0; k < parents; k++) {
                double e = Math.exp(logits[row + k] - max);
                c[cOff + row + k] = e;
                sum += e;
            }
            for (int k = 0; k < parents; k++) {
                c[cOff + row + k] /= sum;
            }
        }
    }
}
