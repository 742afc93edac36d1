package io.vcaps.jobs.batch;

import io.vcaps.bench.SyntheticDataset;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.TestSpark;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each bad input makes the job exit 1 with a line saying what is wrong, and leaves no output behind. */
class BadInputTest {
    private static SparkSession spark;
    private static TrainedFixture fixture;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        spark = TestSpark.session();
        fixture = TrainedFixture.get();
    }

    private void assertFails(Object job, Path output, String message, String... args) throws Exception {
        Cli run = Cli.run(job, args);
        assertEquals(1, run.exit(), "exit code; stderr: " + run.err());
        assertTrue(run.err().contains(message), "expected '" + message + "' in: " + run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertFalse(Cli.leftovers(output), "nothing left at or beside " + output);
    }

    private String[] classify(String model, String data, Path output) {
        return new String[] {"--model", model, "--data", data, "--output", output.toString()};
    }

    private String[] generate(String model, Path output, String... more) {
        String[] base = {"--model", model, "--output", output.toString(), "--per-entity", "3"};
        return ClassifyJobTest.concat(base, more);
    }

    @Test
    void missingBundle() throws Exception {
        String missing = dir.resolve("nope.vcaps").toString();
        Path out = dir.resolve("out");
        assertFails(new ClassifyJob(), out, "model bundle not found: " + missing,
                classify(missing, fixture.dataset.toString(), out));
        assertFails(new GenerateJob(), out, "model bundle not found: " + missing, generate(missing, out));
    }

    @Test
    void corruptBundle() throws Exception {
        Path junk = dir.resolve("junk.vcaps");
        Files.write(junk, "this is not a zip file".getBytes());
        Path truncated = dir.resolve("truncated.vcaps");
        byte[] real = Files.readAllBytes(fixture.bundle);
        Files.write(truncated, Arrays.copyOf(real, real.length / 2));
        Path out = dir.resolve("out");
        assertFails(new ClassifyJob(), out, "not a vcaps bundle",
                classify(junk.toString(), fixture.dataset.toString(), out));
        assertFails(new GenerateJob(), out, truncated.toString(), generate(truncated.toString(), out));
    }

    @Test
    void bundleWhoseShapeDoesNotMatchTheData() throws Exception {
        VcnModel wide = VcnModel.create(VcnConfig.parse(TrainedFixture.CONF, "test"), new ImageShape(32, 32, 1),
                SyntheticDataset.entities(), DataType.FLOAT);
        Path bundle = dir.resolve("wide.vcaps");
        try (OutputStream out = Files.newOutputStream(bundle)) {
            ModelBundle.write(wide, out);
        }
        Path out = dir.resolve("out");
        assertFails(new ClassifyJob(), out, "the model reads 32x32x1 images (HxWxC) but the dataset at "
                + fixture.dataset + " holds 28x28x1 images",
                        classify(bundle.toString(), fixture.dataset.toString(), out));
    }

    @Test
    void missingColumnsMissingDataAndMissingSplit() throws Exception {
        Path partial = dir.resolve("partial");
        spark.read().parquet(fixture.dataset.toString()).drop("height").write().mode(SaveMode.ErrorIfExists)
                .parquet(partial.toString());
        Path out = dir.resolve("out");
        assertFails(new ClassifyJob(), out, "dataset " + partial + " lacks the column height",
                classify(fixture.bundle.toString(), partial.toString(), out));
        String missing = dir.resolve("no-such-data").toString();
        assertFails(new ClassifyJob(), out, "no dataset at " + missing,
                classify(fixture.bundle.toString(), missing, out));
        assertFails(new ClassifyJob(), out, "has no rows in split 'validation'",
                ClassifyJobTest.concat(classify(fixture.bundle.toString(), fixture.dataset.toString(), out), "--split",
                        "validation"));
    }

    @Test
    void aFailureInsideTheJobLeavesNothing() throws Exception {
        // Every row claims 28x28x1, but one image's pixels are cut short: the dataset's row check names it.
        Path broken = dir.resolve("broken");
        spark.read().parquet(fixture.dataset.toString())
                .withColumn("pixels", functions.when(functions.col("id").equalTo("test-0000123"),
                        functions.substring(functions.col("pixels"), 1, 700)).otherwise(functions.col("pixels")))
                .write().mode(SaveMode.ErrorIfExists).parquet(broken.toString());
        Path out = dir.resolve("out");
        assertFails(new ClassifyJob(), out, "column pixels holds a byte count other than height x width x channels in"
                + " 1 row (for example id test-0000123 (700 bytes for 28x28x1))",
                classify(fixture.bundle.toString(), broken.toString(), out));
    }

    @Test
    void unknownEntityNameIsABadOption() throws Exception {
        Path out = dir.resolve("out");
        Cli run = Cli.run(new GenerateJob(), generate(fixture.bundle.toString(), out, "--entities", "3,eleven"));
        assertEquals(2, run.exit(), "exit code; stderr: " + run.err());
        assertTrue(run.err().contains("unknown entity [eleven]; the model's entities are [0, 1, 2"), run.err());
        assertEquals(1, run.err().strip().lines().filter(l -> l.contains("eleven")).count(), run.err());
        assertFalse(Cli.leftovers(out), "nothing left at or beside " + out);
    }

    @Test
    void badOptionsExitTwo() {
        Path out = dir.resolve("out");
        assertEquals(2,
                Cli.run(new GenerateJob(), generate(fixture.bundle.toString(), out, "--temperature", "-1")).exit());
        assertEquals(2, Cli.run(new ClassifyJob(), "--model", "m", "--data", "d", "--output", out.toString(),
                "--batch-size", "0").exit());
        assertFalse(Files.exists(out));
    }
}
