package io.vcaps.jobs.averaging;

import java.util.List;

/**
 * The outcome of one round of parameter averaging.
 *
 * @param averaged          the example-weighted average of the workers' states; null when the round is not to be
 *                          used (a worker's loss or parameters were not finite, or no worker had data)
 * @param totals            every worker's loss totals together
 * @param workers           the workers that reported
 * @param nonFiniteWorkers  the workers whose losses or parameters were NaN or infinite
 * @param seconds           wall time of the round on the driver, broadcast to average
 */
public record Round(long round, TrainingState averaged, StepTotals totals, List<Integer> workers,
        List<Integer> nonFiniteWorkers, double seconds) {

    /** Whether the round may be averaged in. */
    public boolean isUsable() {
        return averaged != null && nonFiniteWorkers.isEmpty();
    }

    /**
     * What the round cost beyond its slowest worker's local steps: broadcast, scheduling, state transfer and
     * averaging.
     */
    public double overheadSeconds() {
        return Math.max(0, seconds - totals.slowestWorkerSeconds());
    }

    /** Examples trained on per second of the round. */
    public double imagesPerSecond() {
        return seconds > 0 ? totals.examples() / seconds : Double.NaN;
    }
}
