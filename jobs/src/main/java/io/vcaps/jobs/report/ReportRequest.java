package io.vcaps.jobs.report;

/**
 * What {@code vcaps report} is asked to do.
 *
 * @param run the training run directory
 * @param classified the output of {@code vcaps classify}, or null
 * @param generated the output of {@code vcaps generate}, or null (then the report draws its own samples)
 * @param data the dataset whose held-out images are reconstructed, or null for the one the run trained on
 * @param output the folder to write, or null for {@code RUN_DIR/report}
 * @param examples held-out images reconstructed
 * @param perEntity samples shown per entity
 * @param seed noise seed of the samples the report draws
 * @param temperature standard deviation of the samples the report draws
 * @param qualityImages train images the report's independent classifier learns from (and held-out images its
 *                      synthesis measures compare against); 0 skips the measures
 */
record ReportRequest(String run, String classified, String generated, String data, String output, int examples,
        int perEntity, long seed, double temperature, int qualityImages) {
    /** The most images of one row of a picture, so that the page stays readable. */
    static final int MAX_ROW = 64;

    public ReportRequest {
        if (examples < 1 || examples > MAX_ROW) {
            throw new IllegalArgumentException("--examples must be from 1 to " + MAX_ROW + ", got " + examples);
        }
        if (perEntity < 1 || perEntity > MAX_ROW) {
            throw new IllegalArgumentException("--per-entity must be from 1 to " + MAX_ROW + ", got " + perEntity);
        }
        if (qualityImages != 0 && qualityImages < 2) {
            throw new IllegalArgumentException("--quality-images must be 0 (no measures) or at least 2, got "
                    + qualityImages);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("--temperature must be a finite number >= 0, got " + temperature);
        }
    }
}
