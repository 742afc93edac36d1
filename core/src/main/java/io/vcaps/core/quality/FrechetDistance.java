package io.vcaps.core.quality;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * The Fréchet distance between two Gaussians fitted to feature vectors (Heusel et al. 2017, FID's formula):
 *
 * <pre>
 *   d^2 = |m1 - m2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2))
 * </pre>
 *
 * tr((S1 S2)^(1/2)) is the sum of the square roots of the eigenvalues of S1^(1/2) S2 S1^(1/2), which is symmetric
 * positive semi-definite, so its eigenvalues are its singular values; both roots come from singular value
 * decompositions (commons-math), which converge where its eigensolver fails on the rank-deficient covariances of
 * repeated images.
 */
final class FrechetDistance {

    private FrechetDistance() {
    }

    /** A Gaussian's mean and covariance, fitted to rows of features. */
    public record Gaussian(double[] mean, double[][] covariance) {

        /** The sample mean and (n - 1)-normalised covariance of {@code features} [n][f], n >= 2. */
        public static Gaussian of(float[][] features) {
            int n = features.length;
            if (n < 2) {
                throw new IllegalArgumentException("a covariance needs at least two feature vectors, got " + n);
            }
            int f = features[0].length;
            double[] mean = new double[f];
            for (float[] row : features) {
                for (int i = 0; i < f; i++) {
                    mean[i] += row[i];
                }
            }
            for (int i = 0; i < f; i++) {
                mean[i] /= n;
            }
            double[][] cov = new double[f][f];
            double[] centred = new double[f];
            for (float[] row : features) {
                for (int i = 0; i < f; i++) {
                    centred[i] = row[i] - mean[i];
                }
                for (int i = 0; i < f; i++) {
                    for (int j = i; j < f; j++) {
                        cov[i][j] += centred[i] * centred[j];
                    }
                }
            }
            for (int i = 0; i < f; i++) {
                for (int j = i; j < f; j++) {
                    cov[i][j] /= n - 1;
                    cov[j][i] = cov[i][j];
                }
            }
            return new Gaussian(mean, cov);
        }
    }

    /** d^2 between the Gaussians fitted to {@code a} and {@code b}. */
    public static double between(float[][] a, float[][] b) {
        return between(Gaussian.of(a), Gaussian.of(b));
    }

    public static double between(Gaussian a, Gaussian b) {
        double meanTerm = 0;
        for (int i = 0; i < a.mean().length; i++) {
            double d = a.mean()[i] - b.mean()[i];
            meanTerm += d * d;
        }
        RealMatrix s1 = new Array2DRowRealMatrix(a.covariance());
        RealMatrix s2 = new Array2DRowRealMatrix(b.covariance());
        RealMatrix root1 = symmetricRoot(s1);
        RealMatrix inner = root1.multiply(s2).multiply(root1);
        double traceRoot = 0;
        for (double sigma : new SingularValueDecomposition(symmetrised(inner)).getSingularValues()) {
            traceRoot += Math.sqrt(sigma);
        }
        return meanTerm + s1.getTrace() + s2.getTrace() - 2 * traceRoot;
    }

    /** S^(1/2) of a symmetric positive semi-definite S = U diag(sigma) U^T. */
    static RealMatrix symmetricRoot(RealMatrix s) {
        SingularValueDecomposition svd = new SingularValueDecomposition(symmetrised(s));
        RealMatrix u = svd.getU();
        double[] sigma = svd.getSingularValues();
        RealMatrix scaled = u.copy();
        for (int j = 0; j < sigma.length; j++) {
            double root = Math.sqrt(sigma[j]);
            for (int i = 0; i < sigma.length; i++) {
                scaled.multiplyEntry(i, j, root);
            }
        }
        return scaled.multiply(u.transpose());
    }

    private static RealMatrix symmetrised(RealMatrix m) {
        return m.add(m.transpose()).scalarMultiply(0.5);
    }
}
