package io.vcaps.core.vcn;

import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Where each entity's capsules lie after training: a Gaussian N(m_k, S_k) per entity, fitted by moments to the
 * aggregate posterior of entity k's capsule over training images that show k,
 *
 * <pre>
 *   q_k(c) = E_x[ N(mu_k(x), diag(exp(logvar_k(x)))) ]      x over the images in which entity k is present
 *   m_k    = E_x[mu_k(x)]
 *   S_k    = Cov_x[mu_k(x)] + diag(E_x[exp(logvar_k(x))])
 * </pre>
 *
 * The margin keeps a present capsule's KL near m+, so present capsules do not fill N(0, I): G has seen the region
 * q_k covers, not the whole prior, and prior samples far from it decode to images no training image resembles.
 * Sampling z_k = m_k + t L_k eps (L_k L_k^T = S_k) draws from where G was trained, as ex-post density estimation
 * does for deterministic and regularised autoencoders (Ghosh et al. 2020). An entity one image showed gets that
 * image's posterior (the Cov term is 0); entities no image showed keep N(0, I). Both are named by {@link #sparse}
 * (in the bundle's provenance), and {@code vcaps generate} refuses to sample an N(0, I) one silently. Fitting
 * changes no network: the standard prior stays one choice away.
 */
public final class EntityPriors implements Serializable {

    private static final long serialVersionUID = 1L;
    /** Added to S_k's diagonal, relative to its mean variance: keeps the Cholesky factor of a flat S_k real. */
    private static final double JITTER = 1e-6;

    private final long[] counts;
    private final double[][] mean;
    private final double[][][] cholesky;

    /**
     * @param counts   images each entity's Gaussian was fitted to (0: N(0, I))
     * @param mean     m_k, [K][D]
     * @param cholesky L_k, lower triangular, [K][D][D]
     */
    public EntityPriors(long[] counts, double[][] mean, double[][][] cholesky) {
        if (counts == null || mean == null || cholesky == null) {
            throw new IllegalArgumentException("entity priors need counts, means and factors");
        }
        int k = counts.length;
        if (mean.length != k || cholesky.length != k) {
            throw new IllegalArgumentException("entity priors: " + k + " counts, " + mean.length + " means, "
                    + cholesky.length + " factors");
        }
        int d = k == 0 || mean[0] == null ? 0 : mean[0].length;
        for (int e = 0; e < k; e++) {
            if (mean[e] == null || cholesky[e] == null || counts[e] < 0) {
                throw new IllegalArgumentException("entity priors: entity " + e + " lacks its mean or factor");
            }
            if (mean[e].length != d || cholesky[e].length != d) {
                throw new IllegalArgumentException("entity priors: entity " + e + " is not " + d + "-dimensional");
            }
            for (int i = 0; i < d; i++) {
                if (cholesky[e][i] == null || cholesky[e][i].length != d || !Double.isFinite(mean[e][i])) {
                    throw new IllegalArgumentException("entity priors: entity " + e + ", dimension " + i
                            + " is not a finite " + d + "-dimensional row");
                }
                for (int j = 0; j < d; j++) {
                    if (!Double.isFinite(cholesky[e][i][j]) || (j > i && cholesky[e][i][j] != 0)) {
                        throw new IllegalArgumentException("entity priors: entity " + e
                                + "'s factor is not a finite lower-triangular matrix");
                    }
                }
            }
        }
        this.counts = counts.clone();
        this.mean = mean;
        this.cholesky = cholesky;
    }

    /** Entities' count. */
    public int entities() {
        return counts.length;
    }

    /** Dimensions D of one capsule. */
    public int dim() {
        return counts.length == 0 ? 0 : mean[0].length;
    }

    public long count(int entity) {
        return counts[entity];
    }

    /** Whether entity {@code entity} was fitted to no image, so that its samples come from N(0, I). */
    public boolean standard(int entity) {
        return counts[entity] == 0;
    }

    /** The entities fitted to fewer than 2 images, by name, with their image counts, in entity order. */
    public Map<String, Long> sparse(List<String> names) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int k = 0; k < counts.length; k++) {
            if (counts[k] < 2) {
                out.put(names.get(k), counts[k]);
            }
        }
        return out;
    }

    /** m_k, a copy. */
    public double[] mean(int entity) {
        return mean[entity].clone();
    }

    /** L_k, a copy. */
    public double[][] cholesky(int entity) {
        double[][] copy = new double[dim()][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = cholesky[entity][i].clone();
        }
        return copy;
    }

    /** m_k + t L_k eps with eps ~ N(0, I) from {@code noise}: D draws, in order, as the standard prior takes them. */
    public double[] sample(int entity, SplittableRandom noise, double temperature) {
        int d = dim();
        double[] eps = new double[d];
        for (int j = 0; j < d; j++) {
            eps[j] = noise.nextGaussian();
        }
        double[] z = mean[entity].clone();
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int j = 0; j <= i; j++) {
                s += cholesky[entity][i][j] * eps[j];
            }
            z[i] += temperature * s;
        }
        return z;
    }

    /** Sums of the moments over images, mergeable: one per partition, added on the way to the driver. */
    public static final class Moments implements Serializable {

        private static final long serialVersionUID = 1L;

        private final long[] n;
        private final double[][] sum;
        private final double[][][] outer;
        private final double[][] variance;

        public Moments(int entities, int dim) {
            n = new long[entities];
            sum = new double[entities][dim];
            outer = new double[entities][dim][dim];
            variance = new double[entities][dim];
        }

        /** Adds image {@code b}'s capsule of {@code entity} (an entity the image shows). */
        public Moments add(VariationalCapsules capsules, int b, int entity) {
            INDArray mu = capsules.mu();
            INDArray logvar = capsules.logvar();
            int d = sum[entity].length;
            double[] m = new double[d];
            for (int i = 0; i < d; i++) {
                m[i] = mu.getDouble(b, entity, i);
                variance[entity][i] += Math.exp(logvar.getDouble(b, entity, i));
            }
            for (int i = 0; i < d; i++) {
                sum[entity][i] += m[i];
                for (int j = 0; j <= i; j++) {
                    outer[entity][i][j] += m[i] * m[j];
                }
            }
            n[entity]++;
            return this;
        }

        /** This plus {@code other}, in place. */
        public Moments merge(Moments other) {
            for (int e = 0; e < n.length; e++) {
                n[e] += other.n[e];
                for (int i = 0; i < sum[e].length; i++) {
                    sum[e][i] += other.sum[e][i];
                    variance[e][i] += other.variance[e][i];
                    for (int j = 0; j <= i; j++) {
                        outer[e][i][j] += other.outer[e][i][j];
                    }
                }
            }
            return this;
        }

        public long count(int entity) {
            return n[entity];
        }

        /** The Gaussians these moments give; entities with fewer than two images keep N(0, I). */
        public EntityPriors fit() {
            int k = n.length;
            int d = k == 0 ? 0 : sum[0].length;
            double[][] m = new double[k][d];
            double[][][] l = new double[k][][];
            for (int e = 0; e < k; e++) {
                if (n[e] == 0) {
                    l[e] = MatrixUtils.createRealIdentityMatrix(d).getData();
                    continue;
                }
                double count = n[e];
                RealMatrix s = MatrixUtils.createRealMatrix(d, d);
                double meanVariance = 0;
                for (int i = 0; i < d; i++) {
                    m[e][i] = sum[e][i] / count;
                }
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j <= i; j++) {
                        // One image: no spread between images, its own posterior variance alone.
                        double c = n[e] == 1 ? 0 : (outer[e][i][j] - count * m[e][i] * m[e][j]) / (count - 1);
                        s.setEntry(i, j, c);
                        s.setEntry(j, i, c);
                    }
                    s.addToEntry(i, i, variance[e][i] / count);
                    meanVariance += s.getEntry(i, i) / d;
                }
                for (int i = 0; i < d; i++) {
                    s.addToEntry(i, i, JITTER * meanVariance + Double.MIN_NORMAL);
                }
                l[e] = factor(s, e);
            }
            return new EntityPriors(n, m, l);
        }

        private static double[][] factor(RealMatrix s, int entity) {
            try {
                return new CholeskyDecomposition(s, 1e-10, 0).getL().getData();
            } catch (NonPositiveDefiniteMatrixException e) {
                throw new IllegalStateException("entity " + entity + "'s capsule covariance is not positive definite"
                        + " (non-finite capsules?): " + e.getMessage(), e);
            }
        }
    }
}
