package io.vcaps.jobs.batch;

import io.vcaps.spark.OutputMode;

import java.util.List;

/**
 * What {@code vcaps generate} is asked to do.
 *
 * @param entities entity names to synthesise, or null for all of the model's
 * @param partitions Spark partitions the index range is split into (the output is the same for any number)
 * @param png one PNG file per image as well as the Parquet rows
 * @param sheets a contact sheet per entity
 * @param traversals a latent traversal grid per entity
 * @param standardPrior sample N(0, t^2 I) even when the bundle has fitted entity priors
 */
public record GenerateRequest(String model, String output, long perEntity, List<String> entities, long seed,
        double temperature, int partitions, boolean png, boolean sheets, boolean traversals, OutputMode mode,
        boolean standardPrior) {
    public GenerateRequest {
        if (perEntity < 1) {
            throw new IllegalArgumentException("--per-entity must be at least 1, got " + perEntity);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("--temperature must be a finite number >= 0, got " + temperature);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
        }
        if (entities != null && entities.isEmpty()) {
            throw new IllegalArgumentException("--entities names no entity");
        }
    }
}
