package io.vcaps.jobs.batch;

import io.vcaps.spark.OutputMode;

import java.util.List;

/**
 * What {@code vcaps classify} is asked to do.
 *
 * @param split         the split to score, or null for every row
 * @param convertImages score images of another shape than the model's, converted as {@code vcaps etl} converts
 *                      them; otherwise such a dataset is refused
 * @param entityNames   the dataset's entity names in label order, for a labelled dataset without {@code _vcaps.json}
 *                      (null: such a dataset is refused)
 */
public record ClassifyRequest(String model, String data, String output, int batchSize, OutputMode mode, String split,
        boolean convertImages, List<String> entityNames) {
    public ClassifyRequest {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
    }

    /** Images of the model's shape only. */
    public ClassifyRequest(String model, String data, String output, int batchSize, OutputMode mode, String split) {
        this(model, data, output, batchSize, mode, split, false, null);
    }
}
