package io.vcaps.jobs.averaging;

import org.nd4j.linalg.api.buffer.DataType;

import java.io.Serializable;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The running sum {@code treeAggregate} builds from worker reports: parameters and optimiser state weighted by
 * each worker's examples, and the workers' loss totals. A single report is kept as it came (no arithmetic, no
 * widening, so one worker's average is its state exactly); from two on, sums are kept in float64. Reports whose
 * losses or parameters are not finite are counted but not added.
 */
public final class StateSum implements Serializable {

    private static final long serialVersionUID = 1L;

    private TrainingState single;
    private double singleWeight;
    private double[][] sums;
    private List<TrainingState.Slot> layout;
    private double weight;
    private int[] iterations;
    private int[] epochs;
    private double scale;
    private final StepTotals totals = new StepTotals();
    private final List<Integer> workers = new ArrayList<>();
    private final List<Integer> nonFinite = new ArrayList<>();

    /** {@code treeAggregate}'s seqOp. */
    public StateSum add(WorkerReport report) {
        totals.merge(report.totals());
        workers.add(report.worker());
        if (!report.isFinite()) {
            nonFinite.add(report.worker());
            return this;
        }
        double w = report.totals().examples();
        if (w <= 0) {
            return this;
        }
        if (single == null && sums == null) {
            single = report.state();
            singleWeight = w;
        } else {
            widen();
            accumulate(report.state(), w);
        }
        return this;
    }

    /** {@code treeAggregate}'s combOp. */
    public StateSum merge(StateSum other) {
        totals.merge(other.totals);
        workers.addAll(other.workers);
        nonFinite.addAll(other.nonFinite);
        if (other.single == null && other.sums == null) {
            return this;
        }
        if (single == null && sums == null) {
            single = other.single;
            singleWeight = other.singleWeight;
            sums = other.sums;
            layout = other.layout;
            weight = other.weight;
            iterations = other.iterations;
            epochs = other.epochs;
            scale = other.scale;
            return this;
        }
        widen();
        if (other.single != null) {
            accumulate(other.single, other.singleWeight);
        } else {
            if (other.sums.length != sums.length) {
                throw new IllegalStateException("workers returned states of different layouts");
            }
            for (int s = 0; s < sums.length; s++) {
                double[] into = sums[s];
                double[] from = other.sums[s];
                for (int i = 0; i < into.length; i++) {
                    into[i] += from[i];
                }
            }
            weight += other.weight;
            for (int n = 0; n < iterations.length; n++) {
                iterations[n] = Math.max(iterations[n], other.iterations[n]);
                epochs[n] = Math.max(epochs[n], other.epochs[n]);
            }
        }
        return this;
    }

    private void widen() {
        if (single == null) {
            return;
        }
        TrainingState first = single;
        double w = singleWeight;
        single = null;
        layout = first.slots();
        sums = new double[layout.size()][];
        for (int s = 0; s < layout.size(); s++) {
            sums[s] = new double[layout.get(s).present() ? layout.get(s).length() : 0];
        }
        iterations = new int[first.networks()];
        epochs = new int[first.networks()];
        scale = first.learningRateScale();
        weight = 0;
        accumulate(first, w);
    }

    private void accumulate(TrainingState state, double w) {
        List<TrainingState.Slot> slots = state.slots();
        if (slots.size() != layout.size()) {
            throw new IllegalStateException("workers returned states of different layouts");
        }
        for (int s = 0; s < slots.size(); s++) {
            TrainingState.Slot slot = slots.get(s);
            if (!slot.present()) {
                continue;
            }
            double[] sum = sums[s];
            if (slot.length() != sum.length) {
                throw new IllegalStateException("workers returned states of different layouts");
            }
            if (slot.type() == DataType.FLOAT) {
                FloatBuffer values = state.floats(slot);
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += w * values.get(i);
                }
            } else {
                DoubleBuffer values = state.doubles(slot);
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += w * values.get(i);
                }
            }
        }
        for (int n = 0; n < state.networks(); n++) {
            iterations[n] = Math.max(iterations[n], state.iteration(n));
            epochs[n] = Math.max(epochs[n], state.epoch(n));
        }
        weight += w;
    }

    /**
     * The example-weighted average of the finite reports' states (iteration and epoch counts: the largest), or null
     * when no finite report had examples.
     */
    public TrainingState average() {
        if (single != null) {
            return single;
        }
        if (sums == null) {
            return null;
        }
        double[][] means = new double[sums.length][];
        for (int s = 0; s < sums.length; s++) {
            means[s] = new double[sums[s].length];
            for (int i = 0; i < sums[s].length; i++) {
                means[s][i] = sums[s][i] / weight;
            }
        }
        return TrainingState.build(layout, scale, iterations, epochs, means);
    }

    public StepTotals totals() {
        return totals;
    }

    /** The workers that reported, in the order their reports were added. */
    public List<Integer> workers() {
        return workers;
    }

    /** The workers whose losses or parameters were not finite. */
    public List<Integer> nonFiniteWorkers() {
        return nonFinite;
    }
}
