package io.vcaps.jobs.averaging;

import java.io.Serializable;
import java.util.List;

/**
 * The example-weighted mean of one chunk over the finite workers, in the state's own types (float32 parameters stay
 * float32), with the summaries of the workers whose chunk-0 pieces it received.
 *
 * @param weight the examples of the finite workers averaged (0: none)
 * @param values the mean chunk's bytes; null when no finite worker sent it
 */
record ChunkMean(int chunk, double weight, byte[] values, List<WorkerSummary> summaries) implements Serializable {
}
