package io.vcaps.jobs.averaging;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The outer step against the update written out by hand (SGD with Nesterov or heavy-ball momentum on
 * Δ = θ_prev − θ̄), over two rounds so that the momentum carries; off, the average passes untouched.
 */
class OuterOptimizerTest {

    private static final List<TrainingState.Slot> LAYOUT = List.of(
            new TrainingState.Slot(DataType.FLOAT, 2, 0), new TrainingState.Slot(DataType.FLOAT, 2, 0),
            new TrainingState.Slot(DataType.DOUBLE, 1, 0), new TrainingState.Slot(null, 0, 0));

    private static TrainingState state(double p0, double p1, double adam, double q) {
        return TrainingState.build(LAYOUT, 1.0, new int[]{3, 4}, new int[2],
                new double[][]{{p0, p1}, {adam, adam}, {q}, null});
    }

    @Test
    void offPassesTheAverageThroughUntouched() {
        OuterOptimizer off = new OuterOptimizer(List.of(OuterStep.OFF, OuterStep.OFF), null);
        TrainingState averaged = state(1, 2, 3, 4);
        assertSame(averaged, off.step(state(0, 0, 0, 0), averaged));
        assertNull(off.momentum());
    }

    @Test
    void nesterovStepsMatchTheUpdateWrittenOut() {
        OuterStep nesterov = new OuterStep(true, 0.7, 0.9, true);
        OuterOptimizer outer = new OuterOptimizer(List.of(nesterov, OuterStep.OFF), null);
        TrainingState prev = state(1.0, -2.0, 0.5, 10.0);
        TrainingState avg = state(0.8, -1.5, 0.25, 9.0);
        TrainingState next = outer.step(prev, avg);
        // Round 1: v = Δ; u = Δ + 0.9 Δ; θ = θ_prev - 0.7 u.
        double[] delta = {1.0 - 0.8, -2.0 - -1.5};
        float[] expected = new float[2];
        double[] v = new double[2];
        for (int i = 0; i < 2; i++) {
            v[i] = (float) delta[i];
            expected[i] = (float) (new double[]{1.0, -2.0}[i] - 0.7 * (delta[i] + 0.9 * v[i]));
        }
        assertArrayEquals(expected, next.params(0).toFloatVector(), 1e-7f);
        assertArrayEquals(avg.updaterState(0).toFloatVector(), next.updaterState(0).toFloatVector(), 0f,
                "Adam's state is the average");
        assertEquals(9.0, next.params(1).getDouble(0), 0.0, "the second network's step is off");
        assertEquals(3, next.iteration(0));

        // Round 2 from there: the momentum of round 1 carries.
        float[] theta = next.params(0).toFloatVector();
        TrainingState avg2 = state(theta[0] - 0.1, theta[1] + 0.3, 0.1, 8.0);
        TrainingState next2 = outer.step(next, avg2);
        double[] delta2 = {0.1, -0.3};
        for (int i = 0; i < 2; i++) {
            double d = theta[i] - (double) avg2.params(0).getFloat(i);
            assertEquals(delta2[i], d, 1e-6);
            double v2 = 0.9 * v[i] + d;
            expected[i] = (float) (theta[i] - 0.7 * (d + 0.9 * v2));
        }
        assertArrayEquals(expected, next2.params(0).toFloatVector(), 1e-6f);
    }

    @Test
    void heavyBallAndTheMomentumAsACheckpointKeepsIt() {
        OuterStep heavy = new OuterStep(true, 0.5, 0.5, false);
        OuterOptimizer outer = new OuterOptimizer(List.of(OuterStep.OFF, heavy), null);
        TrainingState first = outer.step(state(0, 0, 0, 10.0), state(0, 0, 0, 8.0));
        // v = 2; θ = 10 - 0.5 * 2 = 9.
        assertEquals(9.0, first.params(1).getDouble(0), 0.0);
        OuterOptimizer resumed = new OuterOptimizer(List.of(OuterStep.OFF, heavy),
                TrainingState.of(outer.momentum().bytes().clone()));
        TrainingState a = outer.step(first, state(0, 0, 0, 8.0));
        TrainingState b = resumed.step(first, state(0, 0, 0, 8.0));
        // v = 0.5 * 2 + 1 = 2; θ = 9 - 0.5 * 2 = 8.
        assertEquals(8.0, a.params(1).getDouble(0), 0.0);
        assertArrayEquals(a.bytes(), b.bytes(), "a resumed optimizer continues exactly");
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OuterStep(true, 0, 0.9, true));
        assertThrows(IllegalArgumentException.class, () -> new OuterStep(true, 0.7, 1.0, true));
    }
}
