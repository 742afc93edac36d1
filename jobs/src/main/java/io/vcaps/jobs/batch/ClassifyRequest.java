package io.vcaps.jobs.batch;

import io.vcaps.spark.OutputMode;

/**
 * What {@code vcaps classify} is asked to do.
 *
 * @param split the split to score, or null for every row
 */
public record ClassifyRequest(String model, String data, String output, int batchSize, OutputMode mode, String split) {
    public ClassifyRequest {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
    }
}
