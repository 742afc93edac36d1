package io.vcaps.jobs.averaging;

import java.io.Serializable;

/**
 * One worker's round apart from its values: what its steps measured, its networks' iteration and epoch counts, and
 * whether its losses and parameters stayed finite.
 */
record WorkerSummary(int worker, StepTotals totals, int[] iterations, int[] epochs, boolean finite)
        implements Serializable {
}
