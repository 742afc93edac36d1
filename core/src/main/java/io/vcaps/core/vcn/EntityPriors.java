package io.vcaps.core.vcn;

import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

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
 *
 * <p>Entities that appear together are not independent: the hat of an image that also shows eyeglasses is drawn
 * by the same face. For every pair {a, b} that at least {@link #minimumSetImages} images of the sample show
 * together, each member's capsule also gets a Gaussian fitted as above to those images alone ({@link SetPrior}), and
 * a request of exactly that pair draws from it; other sets draw each capsule from its entity's prior, and
 * {@link #fallback} says why.
 */
public final class EntityPriors implements Serializable {

    private static final long serialVersionUID = 1L;
    /** Added to S_k's diagonal, relative to its mean variance: keeps the Cholesky factor of a flat S_k real. */
    private static final double JITTER = 1e-6;

    private final long[] counts;
    private final double[][] mean;
    private final double[][][] cholesky;
    private final Map<List<Integer>, SetPrior> sets;

    /** The capsule priors of a set of entities fitted to the images that show all of them: per member, in order. */
    public record SetPrior(int[] entities, long count, double[][] mean, double[][][] cholesky)
            implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * The fewest images showing a whole set that its own priors are fitted to: 2D. From n images a D-dimensional
     * covariance has rank n - 1, so below D + 1 it is flat in some directions (only the posterior variance is
     * left there); at 2D each variance is still known to about sqrt(2 / (2D - 1)), 26 % for D = 16, coarse but the
     * set's own region. With fewer, the per-entity priors, fitted to every image of each entity, are the better
     * guess.
     */
    public static int minimumSetImages(int dim) {
        return 2 * dim;
    }

    /**
     * @param counts   images each entity's Gaussian was fitted to (0: N(0, I))
     * @param mean     m_k, [K][D]
     * @param cholesky L_k, lower triangular, [K][D][D]
     */
    public EntityPriors(long[] counts, double[][] mean, double[][][] cholesky) {
        this(counts, mean, cholesky, List.of());
    }

    /**
     * @param sets the priors of co-occurring pairs, each of ascending distinct entities, fitted to at least
     *             {@link #minimumSetImages} images
     */
    public EntityPriors(long[] counts, double[][] mean, double[][][] cholesky, List<SetPrior> sets) {
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
            checkGaussian(mean[e], cholesky[e], d, "entity " + e);
        }
        this.counts = counts.clone();
        this.mean = mean;
        this.cholesky = cholesky;
        this.sets = new LinkedHashMap<>();
        for (SetPrior set : sets == null ? List.<SetPrior>of() : sets) {
            if (set == null) {
                throw new IllegalArgumentException("entity priors: a set's prior is null");
            }
            String what = "the prior of set " + (set.entities() == null ? null : Arrays.toString(set.entities()));
            if (set.entities() == null || set.entities().length != 2 || set.entities()[0] < 0
                    || set.entities()[0] >= set.entities()[1] || set.entities()[1] >= k) {
                throw new IllegalArgumentException("entity priors: " + what + " is not two ascending entities of "
                        + k);
            }
            if (set.count() < minimumSetImages(d) || set.mean() == null || set.cholesky() == null
                    || set.mean().length != 2 || set.cholesky().length != 2) {
                throw new IllegalArgumentException("entity priors: " + what + " lacks its members' means or factors,"
                        + " or rests on fewer than " + minimumSetImages(d) + " images");
            }
            for (int m = 0; m < 2; m++) {
                checkGaussian(set.mean()[m], set.cholesky()[m], d, what + ", member " + m);
            }
            if (this.sets.put(key(set.entities()), set) != null) {
                throw new IllegalArgumentException("entity priors: " + what + " is given twice");
            }
        }
    }

    private static void checkGaussian(double[] mean, double[][] cholesky, int d, String what) {
        if (mean == null || cholesky == null || mean.length != d || cholesky.length != d) {
            throw new IllegalArgumentException("entity priors: " + what + " is not " + d + "-dimensional");
        }
        for (int i = 0; i < d; i++) {
            if (cholesky[i] == null || cholesky[i].length != d || !Double.isFinite(mean[i])) {
                throw new IllegalArgumentException("entity priors: " + what + ", dimension " + i
                        + " is not a finite " + d + "-dimensional row");
            }
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(cholesky[i][j]) || (j > i && cholesky[i][j] != 0)) {
                    throw new IllegalArgumentException("entity priors: " + what
                            + "'s factor is not a finite lower-triangular matrix");
                }
            }
        }
    }

    private static List<Integer> key(int[] set) {
        return Arrays.stream(set).boxed().toList();
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

    /** The priors of co-occurring pairs, in ascending order of their entities. */
    public List<SetPrior> sets() {
        return List.copyOf(sets.values());
    }

    /** The prior fitted to the images showing every entity of {@code set} (ascending), when there is one. */
    public Optional<SetPrior> set(int[] set) {
        return Optional.ofNullable(sets.get(key(set)));
    }

    /**
     * Why a request of {@code set} (ascending, two entities or more) draws each capsule from its entity's prior
     * rather than from the set's, or null when it draws from the set's.
     */
    public String fallback(int[] set, List<String> names) {
        if (set.length < 2 || sets.containsKey(key(set))) {
            return null;
        }
        List<String> named = Arrays.stream(set).mapToObj(names::get).toList();
        return set.length > 2 ? "priors of co-occurring entities are fitted for pairs, not for the " + set.length
                + " entities " + named
                : "fewer than " + minimumSetImages(dim()) + " images of the prior sample show " + named + " together";
    }

    /** m_k + t L_k eps with eps ~ N(0, I) from {@code noise}: D draws, in order, as the standard prior takes them. */
    public double[] sample(int entity, SplittableRandom noise, double temperature) {
        return draw(mean[entity], cholesky[entity], noise, temperature);
    }

    /**
     * One image's capsules of {@code set} (ascending), in its order: from the set's prior when it has one, else
     * each from its entity's; D draws of {@code noise} per member either way.
     */
    public double[][] sample(int[] set, SplittableRandom noise, double temperature) {
        SetPrior together = set.length > 1 ? sets.get(key(set)) : null;
        double[][] z = new double[set.length][];
        for (int m = 0; m < set.length; m++) {
            z[m] = together == null ? sample(set[m], noise, temperature)
                    : draw(together.mean()[m], together.cholesky()[m], noise, temperature);
        }
        return z;
    }

    private static double[] draw(double[] mean, double[][] cholesky, SplittableRandom noise, double temperature) {
        int d = mean.length;
        double[] eps = new double[d];
        for (int j = 0; j < d; j++) {
            eps[j] = noise.nextGaussian();
        }
        double[] z = mean.clone();
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int j = 0; j <= i; j++) {
                s += cholesky[i][j] * eps[j];
            }
            z[i] += temperature * s;
        }
        return z;
    }

    /**
     * Sums of the moments over images, mergeable: one per partition, added on the way to the driver. Per entity, and
     * per member of every pair of entities an image shows together.
     */
    public static final class Moments implements Serializable {

        private static final long serialVersionUID = 1L;

        private final int dim;
        private final Sums[] entities;
        /** Pair a < b under the key a * K + b: its members' sums. Sorted, so that the fit's order is fixed. */
        private final TreeMap<Long, Sums[]> pairs = new TreeMap<>();

        public Moments(int entities, int dim) {
            this.dim = dim;
            this.entities = new Sums[entities];
            for (int e = 0; e < entities; e++) {
                this.entities[e] = new Sums(dim);
            }
        }

        /** Adds image {@code b}'s capsule of {@code entity} (an entity the image shows). */
        public Moments add(VariationalCapsules capsules, int b, int entity) {
            entities[entity].add(capsules, b, entity);
            return this;
        }

        /** Adds image {@code b}'s capsules of the entities it shows, {@code present}, alone and pair by pair. */
        public Moments add(VariationalCapsules capsules, int b, int[] present) {
            int[] sorted = present.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                add(capsules, b, sorted[i]);
                for (int j = i + 1; j < sorted.length; j++) {
                    Sums[] pair = pairs.computeIfAbsent((long) sorted[i] * entities.length + sorted[j],
                            p -> new Sums[] {new Sums(dim), new Sums(dim)});
                    pair[0].add(capsules, b, sorted[i]);
                    pair[1].add(capsules, b, sorted[j]);
                }
            }
            return this;
        }

        /** This plus {@code other}, in place. */
        public Moments merge(Moments other) {
            for (int e = 0; e < entities.length; e++) {
                entities[e].merge(other.entities[e]);
            }
            other.pairs.forEach((p, sums) -> {
                Sums[] mine = pairs.computeIfAbsent(p, q -> new Sums[] {new Sums(dim), new Sums(dim)});
                mine[0].merge(sums[0]);
                mine[1].merge(sums[1]);
            });
            return this;
        }

        public long count(int entity) {
            return entities[entity].n;
        }

        /**
         * The Gaussians these moments give; entities with no image keep N(0, I); pairs of at least
         * {@link #minimumSetImages} images get their own.
         */
        public EntityPriors fit() {
            int k = entities.length;
            long[] n = new long[k];
            double[][] m = new double[k][];
            double[][][] l = new double[k][][];
            for (int e = 0; e < k; e++) {
                n[e] = entities[e].n;
                if (n[e] == 0) {
                    m[e] = new double[dim];
                    l[e] = MatrixUtils.createRealIdentityMatrix(dim).getData();
                } else {
                    m[e] = entities[e].mean();
                    l[e] = entities[e].factor("entity " + e);
                }
            }
            List<SetPrior> fitted = new ArrayList<>();
            pairs.forEach((p, sums) -> {
                if (sums[0].n >= minimumSetImages(dim)) {
                    int[] set = {(int) (p / k), (int) (p % k)};
                    fitted.add(new SetPrior(set, sums[0].n, new double[][] {sums[0].mean(), sums[1].mean()},
                            new double[][][] {sums[0].factor("set " + Arrays.toString(set) + ", member 0"),
                                sums[1].factor("set " + Arrays.toString(set) + ", member 1")}));
                }
            });
            return new EntityPriors(n, m, l, fitted);
        }
    }

    /** One capsule's sums over images: count, sum of means, their outer products (lower half), posterior variance. */
    private static final class Sums implements Serializable {

        private static final long serialVersionUID = 1L;

        private long n;
        private final double[] sum;
        private final double[][] outer;
        private final double[] variance;

        Sums(int dim) {
            sum = new double[dim];
            outer = new double[dim][dim];
            variance = new double[dim];
        }

        void add(VariationalCapsules capsules, int b, int entity) {
            INDArray mu = capsules.mu();
            INDArray logvar = capsules.logvar();
            int d = sum.length;
            double[] m = new double[d];
            for (int i = 0; i < d; i++) {
                m[i] = mu.getDouble(b, entity, i);
                variance[i] += Math.exp(logvar.getDouble(b, entity, i));
            }
            for (int i = 0; i < d; i++) {
                sum[i] += m[i];
                for (int j = 0; j <= i; j++) {
                    outer[i][j] += m[i] * m[j];
                }
            }
            n++;
        }

        void merge(Sums other) {
            n += other.n;
            for (int i = 0; i < sum.length; i++) {
                sum[i] += other.sum[i];
                variance[i] += other.variance[i];
                for (int j = 0; j <= i; j++) {
                    outer[i][j] += other.outer[i][j];
                }
            }
        }

        double[] mean() {
            double[] m = new double[sum.length];
            for (int i = 0; i < m.length; i++) {
                m[i] = sum[i] / n;
            }
            return m;
        }

        /** L with L L^T = Cov of the means + mean posterior variance (one image: its posterior alone), n > 0. */
        double[][] factor(String what) {
            int d = sum.length;
            double count = n;
            double[] m = mean();
            RealMatrix s = MatrixUtils.createRealMatrix(d, d);
            double meanVariance = 0;
            for (int i = 0; i < d; i++) {
                for (int j = 0; j <= i; j++) {
                    // One image: no spread between images, its own posterior variance alone.
                    double c = n == 1 ? 0 : (outer[i][j] - count * m[i] * m[j]) / (count - 1);
                    s.setEntry(i, j, c);
                    s.setEntry(j, i, c);
                }
                s.addToEntry(i, i, variance[i] / count);
                meanVariance += s.getEntry(i, i) / d;
            }
            for (int i = 0; i < d; i++) {
                s.addToEntry(i, i, JITTER * meanVariance + Double.MIN_NORMAL);
            }
            try {
                return new CholeskyDecomposition(s, 1e-10, 0).getL().getData();
            } catch (NonPositiveDefiniteMatrixException e) {
                throw new IllegalStateException(what + "'s capsule covariance is not positive definite"
                        + " (non-finite capsules?): " + e.getMessage(), e);
            }
        }
    }
}
