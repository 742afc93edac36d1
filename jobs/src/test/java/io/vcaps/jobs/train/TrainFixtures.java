package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.bench.DigitsDataset;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.Vcaps;
import io.vcaps.spark.JobCommandLine;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Datasets, configurations and command lines for the training tests; everything real (Parquet, Spark, DL4J). */
public final class TrainFixtures {

    /** A model small enough that a step takes milliseconds; batch 20. */
    public static final String TINY = """
            vcaps {
              model {
                conv1 { filters = 8, kernel = 9 }
                primary { channels = 4, dim = 8, kernel = 9, stride = 2 }
                capsules { dim = 8, routings = 2 }
                latent-dim = 8
                generator { channels = 8 }
                discriminator { channels = [4, 8] }
              }
              training { batch-size = 20, seed = 7, eval-every = 1000, eval-examples = 20 }
            }
            """;

    private TrainFixtures() {
    }

    /** Writes a digits dataset (train + test) to {@code dir}, transformed by {@code rows} before writing. */
    static String digits(SparkSession spark, java.nio.file.Path dir, int train, int test,
            UnaryOperator<Dataset<Row>> rows, ImageShape shape) throws IOException {
        String path = dir.toAbsolutePath().toString();
        List<Row> all = new ArrayList<>(DigitsDataset.rows(DatasetSchema.TRAIN, train, 11));
        all.addAll(DigitsDataset.rows(DatasetSchema.TEST, test, 12));
        rows.apply(spark.createDataFrame(all, DatasetSchema.IMAGES)).repartition(2).write().mode(SaveMode.ErrorIfExists)
                .partitionBy(DatasetSchema.SPLIT).parquet(path);
        metadata(spark, path, shape, train, test);
        return path;
    }

    static String digits(SparkSession spark, java.nio.file.Path dir, int train, int test) throws IOException {
        return digits(spark, dir, train, test, d -> d, new ImageShape(28, 28, 1));
    }

    static void metadata(SparkSession spark, String path, ImageShape shape, long train, long test) throws IOException {
        metadata(spark, path, shape, train, test, IntStream.range(0, 10).mapToObj(Integer::toString).toList(), false);
    }

    static void metadata(SparkSession spark, String path, ImageShape shape, long train, long test,
            List<String> entities, boolean multiLabel) throws IOException {
        Map<String, DatasetMetadata.SplitCounts> counts = new LinkedHashMap<>();
        counts.put(DatasetSchema.TRAIN, new DatasetMetadata.SplitCounts(train, Map.of()));
        counts.put(DatasetSchema.TEST, new DatasetMetadata.SplitCounts(test, Map.of()));
        new DatasetMetadata(DatasetMetadata.SCHEMA_VERSION, Instant.now().toString(),
                new DatasetMetadata.Source("test", "fixture", null), shape, multiLabel, entities,
                new DatasetMetadata.Split("files", null),
                counts, new DatasetMetadata.Rejects(0, Map.of(), Map.of()))
                .write(spark.sparkContext().hadoopConfiguration(), new Path(path));
    }

    /** {@code hocon} written as a configuration file in {@code dir}. */
    public static java.io.File conf(java.nio.file.Path dir, String hocon) throws IOException {
        java.nio.file.Path file = dir.resolve("test-" + Math.abs(hocon.hashCode()) + ".conf");
        Files.writeString(file, hocon);
        return file.toFile();
    }

    static VcnConfig config(String hocon) {
        return VcnConfig.parse(hocon, "test");
    }

    /** What {@code vcaps args...} did: its exit code, standard error. */
    record Run(int exit, String err) {
    }

    /** Runs {@code vcaps} with {@code args} in this JVM (the test's SparkSession is the active one). */
    static Run vcaps(String... args) {
        TestSpark.session();
        StringWriter err = new StringWriter();
        CommandLine cli = JobCommandLine.create(new Vcaps());
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        System.out.println("vcaps " + String.join(" ", args) + "\n  -> exit " + exit + (err.toString().isBlank() ? ""
                : ", stderr: " + err.toString().strip()));
        return new Run(exit, err.toString());
    }

    /** The lines of {@code type} in the metrics.jsonl of {@code run}, in order. */
    static List<JsonNode> metrics(java.nio.file.Path run, String type) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = json.readTree(line);
            if (node.get("type").asText().equals(type)) {
                out.add(node);
            }
        }
        return out;
    }

    /**
     * A fresh {@link #TINY} model of ten digit entities on 28x28x1 images, changed by {@code edit}, written as a
     * bundle to {@code file}.
     */
    public static java.nio.file.Path tinyBundle(java.nio.file.Path file, Consumer<VcnModel> edit) throws IOException {
        VcnModel model = VcnModel.create(config(TINY), new ImageShape(28, 28, 1),
                IntStream.range(0, 10).mapToObj(Integer::toString).toList(), DataType.FLOAT);
        edit.accept(model);
        try (OutputStream out = Files.newOutputStream(file)) {
            ModelBundle.write(model, out);
        }
        return file;
    }

    /** The bundle at {@code file}, optimiser state included. */
    static VcnModel bundle(java.nio.file.Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return ModelBundle.read(in, file.toString());
        }
    }

    /** Fails unless E, G and D of the two bundles have the same parameters, bit for bit. */
    static void assertSameParameters(java.nio.file.Path expected, java.nio.file.Path actual) throws IOException {
        VcnModel a = bundle(expected);
        VcnModel b = bundle(actual);
        assertArrayEquals(a.encoder().params().toFloatVector(), b.encoder().params().toFloatVector(), "E");
        assertArrayEquals(a.generator().params().toFloatVector(), b.generator().params().toFloatVector(), "G");
        assertArrayEquals(a.discriminator().params().toFloatVector(), b.discriminator().params().toFloatVector(),
                "D");
    }
}
