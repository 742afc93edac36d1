package io.vcaps.core.quality;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Fréchet distance against closed forms: 1-D Gaussians, commuting covariances, and rotation invariance. */
class FrechetDistanceTest {

    private static FrechetDistance.Gaussian gaussian(double[] mean, double[][] covariance) {
        return new FrechetDistance.Gaussian(mean, covariance);
    }

    @Test
    void oneDimensionalGaussiansGiveMeanAndDeviationTerms() {
        double d = FrechetDistance.between(gaussian(new double[] {0}, new double[][] {{1}}),
                gaussian(new double[] {3}, new double[][] {{4}}));
        assertEquals(9 + (1 - 2) * (1 - 2), d, 1e-9, "(m1 - m2)^2 + (s1 - s2)^2");
    }

    @Test
    void diagonalCovariancesGiveTheSumOverDimensions() {
        double d = FrechetDistance.between(gaussian(new double[] {1, 0}, new double[][] {{1, 0}, {0, 4}}),
                gaussian(new double[] {0, 2}, new double[][] {{9, 0}, {0, 1}}));
        assertEquals(1 + 4 + (1 - 3) * (1 - 3) + (2 - 1) * (2 - 1), d, 1e-9);
    }

    @Test
    void rotatingBothGaussiansLeavesTheDistance() {
        double c = Math.cos(0.7);
        double s = Math.sin(0.7);
        double[][] r = {{c, -s}, {s, c}};
        double[][] a = rotate(r, new double[][] {{1, 0}, {0, 4}});
        double[][] b = rotate(r, new double[][] {{9, 0}, {0, 1}});
        double rotated = FrechetDistance.between(gaussian(new double[] {0, 0}, a), gaussian(new double[] {0, 0}, b));
        assertEquals(4 + 1, rotated, 1e-9, "the non-diagonal path gives the diagonal case's trace term");
    }

    @Test
    void identicalFeaturesAreAtDistanceZero() {
        float[][] f = {{1, 2, 0}, {0, 1, 1}, {3, 0, 2}, {1, 1, 5}, {2, 2, 2}};
        assertEquals(0, FrechetDistance.between(f, f), 1e-6);
    }

    @Test
    void gaussianOfFeaturesHasSampleMeanAndUnbiasedCovariance() {
        FrechetDistance.Gaussian g = FrechetDistance.Gaussian.of(new float[][] {{0, 0}, {2, 0}, {1, 3}});
        assertArrayEquals(new double[] {1, 1}, g.mean(), 1e-9);
        assertArrayEquals(new double[] {1, 0}, g.covariance()[0], 1e-9);
        assertArrayEquals(new double[] {0, 3}, g.covariance()[1], 1e-9);
    }

    private static double[][] rotate(double[][] r, double[][] m) {
        double[][] out = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 2; k++) {
                    for (int l = 0; l < 2; l++) {
                        out[i][j] += r[i][k] * m[k][l] * r[j][l];
                    }
                }
            }
        }
        return out;
    }
}
