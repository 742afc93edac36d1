package io.vcaps.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.File;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vcaps bench classify} and {@code vcaps bench generate} ({@link BatchBenchmark}); each prints one JSON line
 * last.
 */
final class BatchBenchCommands {
    private BatchBenchCommands() {
    }

    private static VcnConfig config(File conf) {
        return conf == null ? VcnConfig.defaults() : VcnConfig.load(conf);
    }

    private static void print(Map<String, Object> result, File conf) throws Exception {
        result.put("conf", conf == null ? "defaults" : conf.getPath());
        System.out.println(new ObjectMapper().writeValueAsString(result));
    }

    /** The options of the classification benchmarks. */
    static final class ClassifyOptions {
        @Option(names = "--conf", description = "model configuration (HOCON); default: built-in defaults")
        File conf;

        @Option(names = "--images", defaultValue = "4000", description = "images timed (default: ${DEFAULT-VALUE})")
        int images;

        @Option(names = "--batch-size", defaultValue = "64",
                description = "images per model call (default: ${DEFAULT-VALUE})")
        int batchSize;

        @Option(names = "--partitions", description = "input Parquet partitions (default: Spark's default parallelism)")
        Integer partitions;

        int partitions(SparkSession spark) {
            return partitions != null ? partitions : spark.sparkContext().defaultParallelism();
        }
    }

    /** Classification images/s through Spark, Parquet in and out. */
    @Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Images/s of vcaps classify (Spark, Parquet in and out) with an untrained model of --conf.")
    public static final class Classify implements Callable<Integer> {
        @Mixin
        ClassifyOptions options;

        @Override
        public Integer call() throws Exception {
            SparkSession spark = Sessions.getOrCreate("vcaps bench classify");
            print(BatchBenchmark.classify(spark, config(options.conf), options.images, options.batchSize,
                    options.partitions(spark)), options.conf);
            return 0;
        }
    }

    /** The Spark ML Transformer's images/s against vcaps classify's, same rows, same run. */
    @Command(name = "transform", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Images/s of VcapsModel.transform against vcaps classify on the same rows in the same run"
                    + " (alternating; median of --repeats each) with an untrained model of --conf.")
    public static final class Transform implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClassifyOptions options;

        @Option(names = "--repeats", defaultValue = "3", description = "timed runs of each (default: ${DEFAULT-VALUE})")
        int repeats;

        @Override
        public Integer call() throws Exception {
            if (repeats < 1 || options.images < 1) {
                throw new ParameterException(spec.commandLine(), "--repeats and --images must be at least 1");
            }
            SparkSession spark = Sessions.getOrCreate("vcaps bench transform");
            print(BatchBenchmark.transform(spark, config(options.conf), options.images, options.batchSize,
                    options.partitions(spark), repeats), options.conf);
            return 0;
        }
    }

    /** Synthesis images/s through Spark, Parquet only or with a PNG file per image. */
    @Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Images/s of vcaps generate (Spark, Parquet, optionally PNG files) with an untrained"
                    + " model of --conf.")
    public static final class Generate implements Callable<Integer> {
        @Option(names = "--conf", description = "model configuration (HOCON); default: built-in defaults")
        File conf;

        @Option(names = "--per-entity", defaultValue = "5000",
                description = "images per entity, 10 entities (default: ${DEFAULT-VALUE})")
        long perEntity;

        @Option(names = "--images", description = "also write one file per image: png")
        String images;

        @Option(names = "--partitions", description = "partitions (default: Spark's default parallelism)")
        Integer partitions;

        @Override
        public Integer call() throws Exception {
            SparkSession spark = Sessions.getOrCreate("vcaps bench generate");
            int p = partitions != null ? partitions : spark.sparkContext().defaultParallelism();
            print(BatchBenchmark.generate(spark, config(conf), perEntity, "png".equalsIgnoreCase(images), p), conf);
            return 0;
        }
    }
}
