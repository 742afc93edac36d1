package io.vcaps.core;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Random;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Central finite differences in double precision against an analytic gradient. */
public final class GradientChecks {

    public static final double STEP = 1e-6;
    public static final double MAX_RELATIVE_ERROR = 1e-5;
    public static final double MIN_ABSOLUTE_ERROR = 1e-9;

    private GradientChecks() {
    }

    /**
     * Perturbs up to {@code samples} entries of {@code variable} (all when it is smaller), re-evaluating
     * {@code loss}, and compares dLoss/dEntry with {@code analytic}. Fails naming the worst entry.
     *
     * @return the number of entries compared
     */
    public static int check(String what, INDArray variable, INDArray analytic, DoubleSupplier loss, int samples,
            long seed) {
        INDArray flat = variable.reshape(variable.length());
        INDArray grad = analytic.reshape(analytic.length());
        long n = flat.length();
        Random random = new Random(seed);
        int count = (int) Math.min(samples, n);
        double worst = 0;
        String worstAt = "";
        int nonZero = 0;
        for (int s = 0; s < count; s++) {
            long i = count == n ? s : (long) (random.nextDouble() * n);
            double original = flat.getDouble(i);
            flat.putScalar(i, original + STEP);
            double plus = loss.getAsDouble();
            flat.putScalar(i, original - STEP);
            double minus = loss.getAsDouble();
            flat.putScalar(i, original);
            double numeric = (plus - minus) / (2 * STEP);
            double exact = grad.getDouble(i);
            if (numeric != 0 || exact != 0) {
                nonZero++;
            }
            double absolute = Math.abs(numeric - exact);
            double relative = absolute / Math.max(Math.abs(numeric) + Math.abs(exact), 1e-300);
            if (absolute > MIN_ABSOLUTE_ERROR && relative > worst) {
                worst = relative;
                worstAt = "entry " + i + ": analytic " + exact + ", numeric " + numeric;
            }
        }
        if (worst > MAX_RELATIVE_ERROR) {
            fail(what + ": relative error " + worst + " at " + worstAt);
        }
        assertTrue(nonZero > 0, what + ": every gradient sampled was zero, so the check compared nothing");
        return count;
    }
}
