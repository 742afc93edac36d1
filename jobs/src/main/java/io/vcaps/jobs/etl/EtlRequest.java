package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.Splits;
import io.vcaps.images.ImageLimits;
import io.vcaps.spark.OutputMode;

/**
 * Everything one ETL run needs.
 *
 * @param attributes the attribute file, for {@link SourceKind#ATTRIBUTES} only
 * @param testFraction share of images put in the test split when splitting by hash
 * @param maxPixels largest width * height decoded; larger images are rejected
 * @param maxFileBytes largest image file read; larger files are rejected
 * @param partitions number of read tasks (more for image files over 64 MiB per task); 0 for twice the
 *     default parallelism
 */
public record EtlRequest(SourceKind source, String input, String attributes, String output, ImageShape shape,
                         double testFraction, OutputMode mode, long maxPixels, long maxFileBytes, int partitions) {
    public EtlRequest {
        if (source == null || input == null || output == null || shape == null || mode == null) {
            throw new IllegalArgumentException("source, input, output, shape and mode are required");
        }
        ImageLimits.shape(shape.height(), shape.width(), shape.channels());
        if ((source == SourceKind.ATTRIBUTES) != (attributes != null)) {
            throw new IllegalArgumentException(source == SourceKind.ATTRIBUTES
                    ? "the attributes source needs an attribute file (--attributes)"
                    : "an attribute file (--attributes) is only read by the attributes source");
        }
        if (!(testFraction >= 0 && testFraction <= 1)) {
            throw new IllegalArgumentException("the test fraction must be between 0 and 1, got " + testFraction);
        }
        if (maxPixels < 1 || maxFileBytes < 1 || partitions < 0) {
            throw new IllegalArgumentException(
                    "the pixel and byte limits must be positive and partitions not negative");
        }
    }

    /** A request with the default test fraction, limits and partitions. */
    public static EtlRequest of(SourceKind source, String input, String attributes, String output, ImageShape shape,
            OutputMode mode) {
        return new EtlRequest(source, input, attributes, output, shape, Splits.DEFAULT_TEST_FRACTION, mode,
                ImageLimits.DEFAULT_MAX_PIXELS, ImageLimits.DEFAULT_MAX_FILE_BYTES, 0);
    }
}
