package io.vcaps.jobs.batch;

import io.vcaps.bench.DigitsDataset;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.Vcaps;
import io.vcaps.jobs.train.TrainFixtures;
import io.vcaps.spark.ObjectStores;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No job deletes or changes what it reads: train, classify and generate refuse an output that is, contains or lies
 * inside one of their inputs, with one line and exit 1, on real local[2] Spark and real files, staged and written in
 * place; and a job that fails leaves the previous output as it was.
 */
class SeparateOutputTest {
    @TempDir
    static Path dir;
    private static Path data;
    private static Path run;
    private static Path model;
    private static Path conf;

    @BeforeAll
    static void inputs() throws Exception {
        data = dir.resolve("digits");
        DigitsDataset.write(TestSpark.session(), data.toString(), 20, 10, 5);
        run = Files.createDirectories(dir.resolve("run"));
        model = run.resolve("model.zip");
        VcnModel untrained = VcnModel.create(VcnConfig.parse(TrainFixtures.TINY, "test"), new ImageShape(28, 28, 1),
                IntStream.range(0, 10).mapToObj(Integer::toString).toList(), DataType.FLOAT);
        try (OutputStream out = Files.newOutputStream(model)) {
            ModelBundle.write(untrained, out);
        }
        conf = TrainFixtures.conf(dir, TrainFixtures.TINY).toPath();
    }

    /** Runs {@code args}, which must be refused with one line naming {@code output} and {@code input}. */
    private static void refused(String job, String output, String relation, String option, Path input,
            String... args) throws Exception {
        Map<String, String> before = Cli.files(dir);
        Cli cli = Cli.run(new Vcaps(), args);
        assertEquals(1, cli.exit(), cli.err());
        assertTrue(cli.err().startsWith("vcaps " + job + " failed: --output " + output + " " + relation
                + " the input " + option + " " + input + " (as file://"), cli.err());
        assertEquals(1, cli.err().lines().count(), cli.err());
        assertEquals(before, Cli.files(dir), "nothing under " + dir + " changed");
    }

    private static String[] classify(String output) {
        return new String[] {"classify", "--model", model.toString(), "--data", data.toString(), "--output", output,
            "--mode", "overwrite"};
    }

    private static String[] generate(String output) {
        return new String[] {"generate", "--model", model.toString(), "--output", output, "--per-entity", "1",
            "--mode", "overwrite"};
    }

    private static String[] train(String output) {
        return new String[] {"train", "--data", data.toString(), "--output", output, "--conf", conf.toString(),
            "--epochs", "0.1", "--resume"};
    }

    @Test
    void classifyKeepsItsDataAndModel() throws Exception {
        refused("classify", data.toString(), "is", "--data", data, classify(data.toString()));
        refused("classify", data + "/..", "contains", "--data", data, classify(data + "/.."));
        refused("classify", data.resolve("scores").toString(), "lies inside", "--data", data,
                classify(data.resolve("scores").toString()));
        refused("classify", "file:" + data + "/", "is", "--data", data, classify("file:" + data + "/"));
        refused("classify", model.toString(), "is", "--model", model, classify(model.toString()));
    }

    @Test
    void generateKeepsTheRunItsModelIsIn() throws Exception {
        refused("generate", run.toString(), "contains", "--model", model, generate(run.toString()));
        refused("generate", model.toString(), "is", "--model", model, generate(model.toString()));
        refused("generate", model.resolve("x").toString(), "lies inside", "--model", model,
                generate(model.resolve("x").toString()));
        Path link = Files.createSymbolicLink(dir.resolve("run-link"), run);
        try {
            refused("generate", link.toString(), "contains", "--model", model, generate(link.toString()));
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void trainKeepsItsData() throws Exception {
        refused("train", data.toString(), "is", "--data", data, train(data.toString()));
        refused("train", dir.toString(), "contains", "--data", data, train(dir.toString()));
        refused("train", data.resolve("run").toString(), "lies inside", "--data", data,
                train(data.resolve("run").toString()));
    }

    @Test
    void writtenInPlaceTheInputsAndAnEarlierOutputAreKept() throws Exception {
        Path earlier = dir.resolve("earlier");
        assertEquals(0, Cli.run(new Vcaps(), classify(earlier.toString())).exit());
        Configuration hadoop = TestSpark.session().sparkContext().hadoopConfiguration();
        hadoop.set(ObjectStores.SCHEMES, "file");
        try {
            // In place, the old output used to be deleted before the job read anything: here the job's own data.
            refused("classify", data.toString(), "is", "--data", data, classify(data.toString()));
            refused("generate", run.toString(), "contains", "--model", model, generate(run.toString()));
            Map<String, String> before = Cli.files(dir);
            Cli again = Cli.run(new Vcaps(), classify(earlier.toString()));
            assertEquals(1, again.exit());
            assertEquals("vcaps classify failed: output file:" + earlier + " exists and is written in place (its"
                    + " scheme is in " + ObjectStores.SCHEMES + "), where the old output cannot be kept until the new"
                    + " one is complete; delete it first, or choose another path", again.err().strip());
            assertEquals(before, Cli.files(dir), "the earlier output is as it was");

            Path fresh = dir.resolve("fresh");
            Cli failed = Cli.run(new Vcaps(), "classify", "--model", dir.resolve("absent.zip").toString(), "--data",
                    data.toString(), "--output", fresh.toString());
            assertEquals(1, failed.exit());
            assertFalse(Cli.leftovers(fresh), "a failed job in place leaves nothing");
        } finally {
            hadoop.unset(ObjectStores.SCHEMES);
        }
    }

    @Test
    void stagedAFailedOverwriteLeavesTheEarlierOutput() throws Exception {
        Path earlier = dir.resolve("staged-earlier");
        assertEquals(0, Cli.run(new Vcaps(), classify(earlier.toString())).exit());
        Map<String, String> before = Cli.files(earlier);
        Cli failed = Cli.run(new Vcaps(), "classify", "--model", dir.resolve("absent.zip").toString(), "--data",
                data.toString(), "--output", earlier.toString(), "--mode", "overwrite");
        assertEquals(1, failed.exit());
        assertEquals(before, Cli.files(earlier));
        try (Stream<Path> siblings = Files.list(dir)) {
            assertEquals(List.of(), siblings.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".staged-earlier")).toList(), "no staging folder left");
        }
    }
}
