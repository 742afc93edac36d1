package io.vcaps.jobs.etl;

import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.images.ImageLimits;
import io.vcaps.spark.JobCommandLine;
import io.vcaps.spark.OutputMode;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code vcaps etl}: an image source into a Parquet dataset (docs/DATA.md). */
@Command(name = "etl", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Reads an image source in parallel on the executors and writes a Parquet dataset:",
            "one row per image, partitioned by split, with _vcaps.json and _rejects/ beside the rows."})
public final class EtlJob implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--source", required = true, paramLabel = "KIND",
            description = "idx (MNIST-format files), folders (one sub-folder per class) or attributes (images + "
                    + "attribute file)")
    SourceKind source;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "the source folder (any Hadoop URI)")
    String input;

    @Option(names = "--attributes", paramLabel = "FILE",
            description = "the CelebA-style attribute file (attributes source)")
    String attributes;

    @Option(names = "--output", required = true, paramLabel = "PATH", description = "the dataset folder to write")
    String output;

    @Option(names = "--height", defaultValue = "28", paramLabel = "N",
            description = "target height (default: ${DEFAULT-VALUE})")
    int height;

    @Option(names = "--width", defaultValue = "28", paramLabel = "N",
            description = "target width (default: ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--channels", defaultValue = "1", paramLabel = "N",
            description = "1 (grey) or 3 (RGB) (default: ${DEFAULT-VALUE})")
    int channels;

    @Option(names = "--test-fraction", defaultValue = "0.1", paramLabel = "F",
            description = "share of images in the test split where the split is by hash (default: ${DEFAULT-VALUE})")
    double testFraction;

    @Option(names = "--mode", defaultValue = "error", paramLabel = "MODE",
            description = "error or overwrite: what to do when the output exists (default: ${DEFAULT-VALUE})")
    OutputMode mode;

    @Option(names = "--max-pixels", defaultValue = "" + ImageLimits.DEFAULT_MAX_PIXELS, paramLabel = "N",
            description = "reject images whose header claims more pixels (default: ${DEFAULT-VALUE})")
    long maxPixels;

    @Option(names = "--max-file-bytes", defaultValue = "" + ImageLimits.DEFAULT_MAX_FILE_BYTES, paramLabel = "N",
            description = "reject image files larger than this (default: ${DEFAULT-VALUE})")
    long maxFileBytes;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
            description = "read tasks (image files: more beyond 64 MiB per task); 0 for twice the default parallelism"
                    + " (default: ${DEFAULT-VALUE})")
    int partitions;

    @Override
    public Integer call() throws Exception {
        EtlRequest request;
        try {
            request = new EtlRequest(source, input, attributes, output, ImageLimits.shape(height, width, channels),
                    testFraction, mode, maxPixels, maxFileBytes, partitions);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        SparkSession spark = Sessions.getOrCreate("vcaps etl");
        DatasetMetadata metadata = EtlPipeline.run(spark, request);
        spec.commandLine().getOut().printf("etl: %d images (train %d, test %d), %d rejects -> %s%n", metadata.images(),
                metadata.counts().get(DatasetSchema.TRAIN).total(), metadata.counts().get(DatasetSchema.TEST).total(),
                metadata.rejects().total(), output);
        spec.commandLine().getOut().flush();
        return 0;
    }

    public static void main(String[] args) {
        JobCommandLine.main(new EtlJob(), args);
    }
}
