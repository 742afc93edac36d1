package io.vcaps.jobs.averaging;

import org.nd4j.linalg.api.buffer.DataType;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An optimizer on the driver over the rounds of parameter averaging. Round t's averaged parameters θ̄ are not taken
 * as they are: their change from the parameters every worker started from is treated as a gradient,
 * Δ = θ_{t-1} − θ̄, and the network takes one step of SGD with momentum on it:
 * <pre>
 *   v   = μ v + Δ
 *   u   = Δ + μ v   (Nesterov)   or   v   (heavy ball)
 *   θ_t = θ_{t-1} − η u
 * </pre>
 * Only the parameters take the step; the optimiser state of the workers' inner Adam (m, v) is averaged as before.
 * A network whose {@link OuterStep} is off keeps the plain average, bit for bit. The momentum v is the optimizer's
 * only state: a training state of the same layout whose parameter slots hold it ({@link #momentum()}), which a
 * checkpoint keeps so that a resumed run continues exactly.
 */
public final class OuterOptimizer {

    private final List<OuterStep> steps;
    private TrainingState momentum;

    /** An optimizer with zero momentum, or with {@code momentum} as written by {@link #momentum()}. */
    public OuterOptimizer(List<OuterStep> steps, TrainingState momentum) {
        this.steps = List.copyOf(steps);
        this.momentum = momentum;
    }

    /** Whether any network takes an outer step. */
    public boolean isOn() {
        return steps.stream().anyMatch(OuterStep::enabled);
    }

    /** The momentum state (null before the first step), as a checkpoint keeps it. */
    public TrainingState momentum() {
        return momentum;
    }

    /**
     * The state of the next round: {@code averaged} with the parameters of every network whose step is on replaced
     * by the outer step from {@code previous}; {@code averaged} itself when no step is on.
     */
    public TrainingState step(TrainingState previous, TrainingState averaged) {
        if (!isOn()) {
            return averaged;
        }
        List<TrainingState.Slot> layout = averaged.slots();
        if (steps.size() != layout.size() / 2) {
            throw new IllegalArgumentException("outer steps for " + steps.size() + " networks, the state holds "
                    + layout.size() / 2);
        }
        if (momentum == null) {
            momentum = TrainingState.zeros(momentumLayout(layout));
        }
        TrainingState next = TrainingState.of(averaged.bytes().clone());
        for (int n = 0; n < steps.size(); n++) {
            OuterStep step = steps.get(n);
            TrainingState.Slot slot = layout.get(2 * n);
            if (!step.enabled() || !slot.present()) {
                continue;
            }
            TrainingState.Slot v = momentum.slots().get(2 * n);
            if (slot.type() == DataType.FLOAT) {
                apply(step, previous.floats(previous.slots().get(2 * n)), next.floats(slot), momentum.floats(v),
                        slot.length());
            } else {
                apply(step, previous.doubles(previous.slots().get(2 * n)), next.doubles(slot),
                        momentum.doubles(v), slot.length());
            }
        }
        return next;
    }

    private static void apply(OuterStep s, FloatBuffer previous, FloatBuffer theta, FloatBuffer v, int n) {
        for (int i = 0; i < n; i++) {
            double before = previous.get(i);
            double delta = before - theta.get(i);
            double velocity = s.momentum() * v.get(i) + delta;
            double update = s.nesterov() ? delta + s.momentum() * velocity : velocity;
            v.put(i, (float) velocity);
            theta.put(i, (float) (before - s.learningRate() * update));
        }
    }

    private static void apply(OuterStep s, DoubleBuffer previous, DoubleBuffer theta, DoubleBuffer v, int n) {
        for (int i = 0; i < n; i++) {
            double before = previous.get(i);
            double delta = before - theta.get(i);
            double velocity = s.momentum() * v.get(i) + delta;
            double update = s.nesterov() ? delta + s.momentum() * velocity : velocity;
            v.put(i, velocity);
            theta.put(i, before - s.learningRate() * update);
        }
    }

    /** The parameter slots of the networks that take a step; the rest absent. */
    private List<TrainingState.Slot> momentumLayout(List<TrainingState.Slot> layout) {
        List<TrainingState.Slot> out = new ArrayList<>();
        for (int n = 0; n < steps.size(); n++) {
            TrainingState.Slot params = layout.get(2 * n);
            out.add(steps.get(n).enabled() ? params : new TrainingState.Slot(null, 0, 0));
            out.add(new TrainingState.Slot(null, 0, 0));
        }
        return out;
    }
}
