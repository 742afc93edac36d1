package io.vcaps.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vcaps bench classify} and {@code vcaps bench generate} ({@link BatchBenchmark}); each prints one JSON line
 * last.
 */
public final class BatchBenchCommands {
    private BatchBenchCommands() {
    }

    private static VcnConfig config(File conf) {
        return conf == null ? VcnConfig.defaults() : VcnConfig.load(conf);
    }

    private static void print(Map<String, Object> result, File conf) throws Exception {
        result.put("conf", conf == null ? "defaults" : conf.getPath());
        System.out.println(new ObjectMapper().writeValueAsString(result));
    }

    /** Classification images/s through Spark, Parquet in and out. */
    @Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Images/s of vcaps classify (Spark, Parquet in and out) with an untrained model of --conf.")
    public static final class Classify implements Callable<Integer> {
        @Option(names = "--conf", description = "model configuration (HOCON); default: built-in defaults")
        File conf;

        @Option(names = "--images", defaultValue = "4000", description = "images timed (default: ${DEFAULT-VALUE})")
        int images;

        @Option(names = "--batch-size", defaultValue = "64",
                description = "images per model call (default: ${DEFAULT-VALUE})")
        int batchSize;

        @Option(names = "--partitions", description = "input Parquet partitions (default: Spark's default parallelism)")
        Integer partitions;

        @Override
        public Integer call() throws Exception {
            SparkSession spark = Sessions.getOrCreate("vcaps bench classify");
            int p = partitions != null ? partitions : spark.sparkContext().defaultParallelism();
            print(BatchBenchmark.classify(spark, config(conf), images, batchSize, p), conf);
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
