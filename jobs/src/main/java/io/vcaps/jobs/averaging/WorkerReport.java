package io.vcaps.jobs.averaging;

import java.io.Serializable;

/** What one worker sends back after its local steps: its networks' state and what the steps measured. */
public record WorkerReport(int worker, TrainingState state, StepTotals totals) implements Serializable {

    /** Whether the worker's losses and parameters stayed finite. */
    public boolean isFinite() {
        return totals.isFinite() && state != null && state.isFinite();
    }
}
