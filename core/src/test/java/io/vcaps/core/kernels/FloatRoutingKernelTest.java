package io.vcaps.core.kernels;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 vector kernel against the double reference ({@link RoutingKernel}, whose gradients the
 * finite-difference checks of KernelLayersGradientTest hold exact) on random votes: forward capsules and backward
 * du_hat within 1e-4 of each output's largest magnitude; and bit for bit the same on a second run.
 */
class FloatRoutingKernelTest {

    @Test
    void thePathNamesThisCpusLanes() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        assertEquals("float32 vectors of " + lanes + " lanes (" + 32 * lanes + "-bit)", FloatRoutingKernel.path());
    }

    private static final double TOLERANCE = 1e-4;

    /** mnist-small's shape (1600 children, 10 capsules of 16) and odd ones: children not a whole vector, D of 6. */
    @Test
    void matchesDoubleReferenceForwardAndBackward() {
        check(1600, 10, 16, 3, 1);
        check(37, 5, 8, 3, 2);
        check(53, 4, 6, 4, 3);
        check(19, 3, 16, 1, 4);
    }

    private static void check(int children, int parents, int dim, int routings, long seed) {
        String what = children + " children, " + parents + " x " + dim + ", " + routings + " iterations";
        Random random = new Random(seed);
        RoutingKernel reference = new RoutingKernel(children, parents, dim, routings);
        FloatRoutingKernel kernel = new FloatRoutingKernel(children, parents, dim, routings);
        double[][] uhat = reference.newVotes();
        float[][] votes = kernel.newVotes();
        for (int i = 0; i < uhat.length; i++) {
            for (int n = 0; n < children; n++) {
                votes[i][n] = (float) (0.3 * random.nextGaussian());
                uhat[i][n] = votes[i][n];
            }
        }
        int kd = parents * dim;
        float[] dv = new float[kd];
        double[] dvDouble = new double[kd];
        for (int i = 0; i < kd; i++) {
            dv[i] = (float) random.nextGaussian();
            dvDouble[i] = dv[i];
        }

        RoutingKernel.Trace expectedTrace = reference.new Trace();
        reference.forward(uhat, expectedTrace, reference.new Scratch());
        double[][] expectedDu = reference.newVoteGradients();
        reference.backward(uhat, expectedTrace, dvDouble, 0, expectedDu, reference.new Scratch());

        FloatRoutingKernel.Trace trace = kernel.new Trace();
        kernel.forward(votes, trace, kernel.new Scratch());
        float[][] du = kernel.newVoteGradients();
        kernel.backward(votes, trace, dv, 0, du, kernel.new Scratch());

        double[] expectedV = new double[kd];
        double[] v = new double[kd];
        for (int i = 0; i < kd; i++) {
            expectedV[i] = expectedTrace.v[reference.outputOffset() + i];
            v[i] = trace.v[kernel.outputOffset() + i];
        }
        assertClose(what + ": capsules", expectedV, v);
        double scale = 0;
        for (double[] row : expectedDu) {
            for (double x : row) {
                scale = Math.max(scale, Math.abs(x));
            }
        }
        assertTrue(scale > 1e-3, what + ": du_hat too small to compare");
        for (int n = 0; n < children; n++) {
            for (int i = 0; i < kd; i++) {
                assertEquals(expectedDu[n][i], du[n][i], TOLERANCE * scale, what + ": du_hat of child " + n);
            }
        }

        FloatRoutingKernel.Trace again = kernel.new Trace();
        kernel.forward(votes, again, kernel.new Scratch());
        float[][] duAgain = kernel.newVoteGradients();
        kernel.backward(votes, again, dv, 0, duAgain, kernel.new Scratch());
        assertArrayEquals(trace.v, again.v, what + ": a second forward pass");
        for (int n = 0; n < children; n++) {
            assertArrayEquals(du[n], duAgain[n], what + ": a second backward pass");
        }
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        double scale = 0;
        for (double x : expected) {
            scale = Math.max(scale, Math.abs(x));
        }
        assertTrue(scale > 1e-3, what + ": too small to compare");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE * scale, what + " [" + i + "]");
        }
    }

    /** The softmax's exponential within 2 ulp of Math.exp over the range it is fed, and clamped outside it. */
    @Test
    void exponentialIsWithinTwoUlp() {
        float[] x = new float[Lanes.LENGTH];
        float[] e = new float[Lanes.LENGTH];
        for (float start = -87f; start < 88f; start += 0.01f * Lanes.LENGTH) {
            for (int i = 0; i < x.length; i++) {
                x[i] = start + 0.01f * i;
            }
            Lanes.exp(FloatVector.fromArray(Lanes.SPECIES, x, 0)).intoArray(e, 0);
            for (int i = 0; i < x.length && x[i] <= 88f; i++) {
                float expected = (float) Math.exp(x[i]);
                assertEquals(expected, e[i], 2 * Math.ulp(expected), "exp(" + x[i] + ")");
            }
        }
        Lanes.exp(FloatVector.broadcast(Lanes.SPECIES, -1000f)).intoArray(e, 0);
        assertEquals((float) Math.exp(-87), e[0], 2 * Math.ulp((float) Math.exp(-87)));
    }

    /** The fixed-order lane sum and the dot product against plain sums. */
    @Test
    void dotProductsMatchPlainSums() {
        Random random = new Random(9);
        for (int len : new int[]{1, Lanes.LENGTH - 1, Lanes.LENGTH, 3 * Lanes.LENGTH + 5, 1000}) {
            float[] x = new float[len];
            float[] y = new float[len];
            double expected = 0;
            double expectedSum = 0;
            for (int i = 0; i < len; i++) {
                x[i] = (float) random.nextGaussian();
                y[i] = (float) random.nextGaussian();
                expected += (double) x[i] * y[i];
                expectedSum += x[i];
            }
            assertEquals(expected, Lanes.dot(x, y, len), 1e-5 * Math.max(1, Math.sqrt(len)), "dot of " + len);
            assertEquals(expectedSum, Lanes.sum(x, len), 1e-5 * Math.max(1, Math.sqrt(len)), "sum of " + len);
        }
    }
}
