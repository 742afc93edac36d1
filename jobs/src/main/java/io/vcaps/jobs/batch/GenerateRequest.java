package io.vcaps.jobs.batch;

import io.vcaps.spark.OutputMode;

import java.util.List;

/**
 * What {@code vcaps generate} is asked to do.
 *
 * @param sets     the entity sets to synthesise, each comma-separated entity names (images in which exactly those
 *                 entities are present); with {@code setsFile} null for each of the model's entities alone
 * @param setsFile a file of such sets, one a line (any Hadoop URI), or null
 * @param partitions Spark partitions the index range is split into (the output is the same for any number)
 * @param png one PNG file per image as well as the Parquet rows
 * @param sheets a contact sheet per entity
 * @param traversals a latent traversal grid per entity
 * @param standardPrior sample N(0, t^2 I) even when the bundle has fitted entity priors
 */
public record GenerateRequest(String model, String output, long perEntity, List<String> sets, String setsFile,
        long seed,
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
        if (sets != null && sets.stream().anyMatch(s -> s.isBlank() || s.strip().startsWith(",")
                || s.strip().endsWith(",") || s.contains(",,"))) {
            throw new IllegalArgumentException("--entities " + sets + ": each set names its entities, comma-separated,"
                    + " with none empty");
        }
    }
}
