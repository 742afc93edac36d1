package io.vcaps.core.vcn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fitted entity priors recover a known aggregate posterior: capsule means drawn from N(m, A A^T) with a fixed
 * posterior variance v give m and A A^T + diag(v); their samples have those moments; sums merge.
 */
class EntityPriorsTest {

    private static final int D = 3;
    private static final double[] M = {1.5, -2.0, 0.5};
    private static final double[][] A = {{1.0, 0, 0}, {0.6, 0.8, 0}, {-0.3, 0.2, 0.5}};
    private static final double V = 0.04;

    /** Encoder outputs [B, K*2*D] for K = 2: entity 0's capsule means from N(M, A A^T), logvar log V; entity 1 0. */
    private static VariationalCapsules capsules(int batch, SplittableRandom random) {
        INDArray encoded = Nd4j.zeros(batch, 2 * 2 * D);
        for (int b = 0; b < batch; b++) {
            double[] eps = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            for (int i = 0; i < D; i++) {
                double mu = M[i];
                for (int j = 0; j <= i; j++) {
                    mu += A[i][j] * eps[j];
                }
                encoded.putScalar(b, i, mu);
                encoded.putScalar(b, D + i, Math.log(V));
            }
        }
        return new VariationalCapsules(encoded.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), 2, D);
    }

    private static double[][] target() {
        double[][] s = new double[D][D];
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                for (int l = 0; l < D; l++) {
                    s[i][j] += A[i][l] * A[j][l];
                }
            }
            s[i][i] += V;
        }
        return s;
    }

    private static EntityPriors.Moments moments(int batches, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        EntityPriors.Moments moments = new EntityPriors.Moments(2, D);
        for (int n = 0; n < batches; n++) {
            VariationalCapsules c = capsules(500, random);
            for (int b = 0; b < 500; b++) {
                moments.add(c, b, 0);
            }
        }
        return moments;
    }

    @Test
    void fitRecoversTheAggregatePosteriorAndSamplesFromIt() {
        EntityPriors priors = moments(40, 1).fit();
        assertEquals(20_000, priors.count(0));
        double[] mean = priors.mean(0);
        double[][] l = priors.cholesky(0);
        double[][] s = target();
        for (int i = 0; i < D; i++) {
            assertEquals(M[i], mean[i], 0.03, "mean " + i);
            for (int j = 0; j < D; j++) {
                double fitted = 0;
                for (int c = 0; c < D; c++) {
                    fitted += l[i][c] * l[j][c];
                }
                assertEquals(s[i][j], fitted, 0.04, "covariance " + i + "," + j);
            }
        }

        SplittableRandom noise = new SplittableRandom(9);
        int n = 40_000;
        double[] sum = new double[D];
        double[][] outer = new double[D][D];
        for (int t = 0; t < n; t++) {
            double[] z = priors.sample(0, noise, 0.5);
            for (int i = 0; i < D; i++) {
                sum[i] += z[i];
                for (int j = 0; j < D; j++) {
                    outer[i][j] += (z[i] - mean[i]) * (z[j] - mean[j]);
                }
            }
        }
        for (int i = 0; i < D; i++) {
            assertEquals(mean[i], sum[i] / n, 0.02, "sample mean " + i);
            for (int j = 0; j < D; j++) {
                assertEquals(0.25 * s[i][j], outer[i][j] / n, 0.02, "temperature 0.5 scales the covariance by 1/4");
            }
        }
        assertArrayEquals(mean, priors.sample(0, new SplittableRandom(3), 0.0), 0.0, "temperature 0: the mean");
    }

    @Test
    void unseenEntitiesKeepTheStandardPriorAndMergedSumsEqualOnePass() {
        EntityPriors priors = moments(2, 5).fit();
        assertEquals(0, priors.count(1));
        assertArrayEquals(new double[D], priors.mean(1), 0.0);
        assertArrayEquals(new double[] {1, 0, 0}, priors.cholesky(1)[0], 0.0);

        SplittableRandom random = new SplittableRandom(5);
        EntityPriors.Moments first = new EntityPriors.Moments(2, D);
        EntityPriors.Moments second = new EntityPriors.Moments(2, D);
        for (EntityPriors.Moments m : new EntityPriors.Moments[] {first, second}) {
            VariationalCapsules c = capsules(500, random);
            for (int b = 0; b < 500; b++) {
                m.add(c, b, 0);
            }
        }
        EntityPriors merged = first.merge(second).fit();
        for (int i = 0; i < D; i++) {
            assertEquals(priors.mean(0)[i], merged.mean(0)[i], 1e-12);
            assertArrayEquals(priors.cholesky(0)[i], merged.cholesky(0)[i], 1e-9);
        }
    }

    @Test
    void anEntityOfOneImageGetsThatImagesPosteriorAndIsNamedSparse() {
        VariationalCapsules c = capsules(1, new SplittableRandom(4));
        EntityPriors.Moments moments = new EntityPriors.Moments(2, D);
        moments.add(c, 0, 0);
        EntityPriors priors = moments.fit();
        assertEquals(1, priors.count(0));
        double[][] l = priors.cholesky(0);
        for (int i = 0; i < D; i++) {
            assertEquals(c.mu().getDouble(0, 0, i), priors.mean(0)[i], 1e-12, "the image's capsule mean");
            assertEquals(Math.sqrt(V), l[i][i], 1e-6, "its own posterior spread, not N(0, I)'s 1");
            for (int j = 0; j < i; j++) {
                assertEquals(0, l[i][j], 0.0);
            }
        }
        assertFalse(priors.standard(0));
        assertTrue(priors.standard(1), "no image: N(0, I)");
        assertEquals(Map.of("a", 1L, "b", 0L), priors.sparse(List.of("a", "b")));
        assertEquals(Map.of("b", 0L), moments(1, 2).fit().sparse(List.of("a", "b")), "500 images are not sparse");
    }

    /**
     * Three entities of D dimensions: {@code together} images show 0 and 1, whose capsule 0 sits at +2 and capsule 1
     * at +1; 40 more show 0 alone, capsule 0 at -2. Means only, the posterior variance V.
     */
    private static EntityPriors.Moments cooccurring(int together) {
        int batch = together + 40;
        INDArray encoded = Nd4j.zeros(batch, 3 * 2 * D);
        SplittableRandom random = new SplittableRandom(11);
        int[][] present = new int[batch][];
        for (int b = 0; b < batch; b++) {
            boolean both = b < together;
            present[b] = both ? new int[] {1, 0} : new int[] {0};
            for (int i = 0; i < D; i++) {
                encoded.putScalar(b, i, (both ? 2 : -2) + 0.1 * random.nextGaussian());
                encoded.putScalar(b, 2 * D + i, 1 + 0.1 * random.nextGaussian());
                for (int k = 0; k < 3; k++) {
                    encoded.putScalar(b, k * 2 * D + D + i, Math.log(V));
                }
            }
        }
        VariationalCapsules c = new VariationalCapsules(encoded.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE),
                3, D);
        EntityPriors.Moments moments = new EntityPriors.Moments(3, D);
        for (int b = 0; b < batch; b++) {
            moments.add(c, b, present[b]);
        }
        return moments;
    }

    @Test
    void aPairShownTogetherOftenEnoughGetsPriorsFittedToThoseImagesAlone() {
        assertEquals(6, EntityPriors.minimumSetImages(D));
        EntityPriors priors = cooccurring(6).fit();
        assertEquals(46, priors.count(0));
        assertEquals(6, priors.count(1));
        assertTrue(priors.mean(0)[0] < -1, "entity 0 alone is mostly the -2 images: " + priors.mean(0)[0]);
        EntityPriors.SetPrior pair = priors.set(new int[] {0, 1}).orElseThrow();
        assertEquals(1, priors.sets().size());
        assertEquals(6, pair.count());
        for (int i = 0; i < D; i++) {
            assertEquals(2, pair.mean()[0][i], 0.15, "capsule 0 of the images that show both");
            assertEquals(1, pair.mean()[1][i], 0.15, "capsule 1 of the same images");
            assertEquals(priors.mean(1)[i], pair.mean()[1][i], 1e-12, "entity 1 is never shown without 0");
        }
        assertTrue(pair.cholesky()[0][0][0] < 0.5, "the pair's spread is its images', not entity 0's (+-2)");
        assertEquals(null, priors.fallback(new int[] {0, 1}, List.of("a", "b", "c")));
        assertEquals(null, priors.fallback(new int[] {0}, List.of("a", "b", "c")));

        double[][] z = priors.sample(new int[] {0, 1}, new SplittableRandom(2), 0.0);
        assertArrayEquals(pair.mean()[0], z[0], 0.0, "a request of the pair draws from the pair's prior");
        assertArrayEquals(pair.mean()[1], z[1], 0.0);
        double[][] apart = priors.sample(new int[] {0, 2}, new SplittableRandom(2), 0.0);
        assertArrayEquals(priors.mean(0), apart[0], 0.0, "a set never shown draws from its entities' priors");
        assertEquals("fewer than 6 images of the prior sample show [a, c] together",
                priors.fallback(new int[] {0, 2}, List.of("a", "b", "c")));
        assertEquals("priors of co-occurring entities are fitted for pairs, not for the 3 entities [a, b, c]",
                priors.fallback(new int[] {0, 1, 2}, List.of("a", "b", "c")));

        EntityPriors few = cooccurring(5).fit();
        assertTrue(few.set(new int[] {0, 1}).isEmpty(), "5 images are fewer than 2D");
        assertArrayEquals(few.mean(0), few.sample(new int[] {0, 1}, new SplittableRandom(2), 0.0)[0], 0.0);
        assertEquals("fewer than 6 images of the prior sample show [a, b] together",
                few.fallback(new int[] {0, 1}, List.of("a", "b", "c")));

        EntityPriors.Moments halves = cooccurring(6);
        EntityPriors merged = new EntityPriors.Moments(3, D).merge(halves).fit();
        assertArrayEquals(pair.mean()[0], merged.set(new int[] {0, 1}).orElseThrow().mean()[0], 1e-12);
    }

    @Test
    void malformedPriorsAreRefused() {
        double[][] identity = {{1, 0}, {0, 1}};
        assertThrows(IllegalArgumentException.class, () -> new EntityPriors(new long[] {1},
                new double[][] {{0, Double.NaN}}, new double[][][] {identity}));
        assertThrows(IllegalArgumentException.class, () -> new EntityPriors(new long[] {1},
                new double[][] {{0, 0}}, new double[][][] {{{1, 2}, {0, 1}}}), "upper triangle");
        assertThrows(IllegalArgumentException.class, () -> new EntityPriors(new long[] {1, 1},
                new double[][] {{0, 0}}, new double[][][] {identity}), "counts and means disagree");
        assertThrows(IllegalArgumentException.class, () -> new EntityPriors(null, null, null));
        double[][][] pairFactor = {identity, identity};
        double[][] pairMean = {{0, 0}, {0, 0}};
        long[] two = {9, 9};
        double[][] means = {{0, 0}, {0, 0}};
        assertThrows(IllegalArgumentException.class, () -> new EntityPriors(two, means, pairFactor,
                List.of(new EntityPriors.SetPrior(new int[] {1, 0}, 9, pairMean, pairFactor))), "descending");
        assertThrows(IllegalArgumentException.class, () -> new EntityPriors(two, means, pairFactor,
                List.of(new EntityPriors.SetPrior(new int[] {0, 1}, 3, pairMean, pairFactor))), "below 2D images");
        assertThrows(IllegalArgumentException.class, () -> new EntityPriors(two, means, pairFactor,
                List.of(new EntityPriors.SetPrior(new int[] {0, 2}, 9, pairMean, pairFactor))), "no entity 2");
        assertEquals(1, new EntityPriors(two, means, pairFactor,
                List.of(new EntityPriors.SetPrior(new int[] {0, 1}, 4, pairMean, pairFactor))).sets().size());
    }
}
