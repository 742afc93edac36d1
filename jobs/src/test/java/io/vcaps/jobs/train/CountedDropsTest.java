package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing is dropped or defaulted without a word by {@code vcaps train}: rows of a split other than train and test
 * are counted and named, an entity whose prior rests on fewer than 2 images is named in metrics.jsonl and the
 * bundle, a dataset without {@code _vcaps.json} is refused unless its entity names are given, and a
 * {@code _vcaps.json} lacking a field is one line naming the file and the field.
 */
class CountedDropsTest {

    @TempDir
    Path dir;

    private String tinyConf() throws Exception {
        return TrainFixtures.conf(dir, TrainFixtures.TINY).getPath();
    }

    /** Runs {@code vcaps args...}, keeping what it printed on standard output too. */
    private static String[] withConsole(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainFixtures.Run run;
        try (PrintStream capture = new PrintStream(console, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            run = TrainFixtures.vcaps(args);
        } finally {
            System.setOut(original);
        }
        return new String[] {Integer.toString(run.exit()), console.toString(StandardCharsets.UTF_8), run.err()};
    }

    @Test
    void rowsOfOtherSplitsAndSparsePriorsAreCountedAndNamed() throws Exception {
        // 40 train rows, digit i % 10: the first 8 (digits 0 to 7) go to 'val'; the digit 9 keeps one train image.
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 40, 10, d -> {
            var nines = d.where(col(DatasetSchema.SPLIT).equalTo(DatasetSchema.TRAIN)
                    .and(col(DatasetSchema.LABEL).equalTo(9))).orderBy(DatasetSchema.ID).limit(1);
            var rest = d.where(col(DatasetSchema.SPLIT).notEqual(DatasetSchema.TRAIN)
                    .or(col(DatasetSchema.LABEL).notEqual(9)));
            return rest.union(nines).withColumn(DatasetSchema.SPLIT, when(col(DatasetSchema.SPLIT)
                    .equalTo(DatasetSchema.TRAIN).and(col(DatasetSchema.ID).rlike("-00000[0-7]$")), lit("val"))
                    .otherwise(col(DatasetSchema.SPLIT)));
        }, new ImageShape(28, 28, 1));
        long val = TestSpark.session().read().parquet(data).where(col(DatasetSchema.SPLIT).equalTo("val")).count();
        long nines = TestSpark.session().read().parquet(data).where(col(DatasetSchema.SPLIT)
                .equalTo(DatasetSchema.TRAIN).and(col(DatasetSchema.LABEL).equalTo(9))).count();
        assertTrue(val > 0, "the fixture has rows of another split");
        assertEquals(1, nines, "the fixture's digit 9 has one train image");

        Path run = dir.resolve("run");
        String[] result = withConsole("train", "--data", data, "--output", run.toString(), "--conf", tinyConf(),
                "--workers", "1", "--averaging-frequency", "1", "--epochs", "1");
        assertEquals("0", result[0], result[2]);
        assertTrue(result[1].contains("note: " + val + " rows of " + data + " are in splits other than train and"
                + " test {val=" + val + "}"), result[1]);
        JsonNode start = TrainFixtures.metrics(run, "start").get(0);
        assertEquals(val, start.at("/other_splits/val").asLong(), start.toString());

        List<JsonNode> priors = TrainFixtures.metrics(run, "priors");
        assertFalse(priors.isEmpty(), "a priors line for the last model");
        for (JsonNode p : priors) {
            assertEquals(1, p.at("/sparse_priors/9").asLong(), p.toString());
            assertEquals(1, p.get("sparse_priors").size(), "only the digit 9 is sparse: " + p);
        }
        assertEquals("last", priors.get(0).get("model").asText());
        assertTrue(result[1].contains("{9=1} (entity: images) rest on fewer than 2 images"), result[1]);
        for (String bundle : List.of("model.zip", "best.zip")) {
            VcnModel model = TrainFixtures.bundle(run.resolve(bundle));
            assertEquals(Map.of("9", 1L), model.provenance().sparsePriors(), bundle);
        }
    }

    @Test
    void aDatasetWithoutMetadataIsRefusedUnlessItsEntitiesAreNamed() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("bare"), 40, 10);
        Files.delete(Path.of(data, DatasetSchema.METADATA_FILE));
        Files.deleteIfExists(Path.of(data, "." + DatasetSchema.METADATA_FILE + ".crc"));
        Path refusedRun = dir.resolve("refused");
        TrainFixtures.Run refused = TrainFixtures.vcaps("train", "--data", data, "--output", refusedRun.toString(),
                "--conf", tinyConf(), "--workers", "1", "--epochs", "0.5");
        assertEquals(1, refused.exit());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("dataset " + data + " has no _vcaps.json")
                && refused.err().contains("--entity-names"), refused.err());
        assertFalse(Files.exists(refusedRun.resolve("metrics.jsonl")), "refused before any round");

        List<String> names = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");
        Path run = dir.resolve("named");
        TrainFixtures.Run named = TrainFixtures.vcaps("train", "--data", data, "--output", run.toString(),
                "--conf", tinyConf(), "--workers", "1", "--epochs", "0.5", "--entity-names", String.join(",", names));
        assertEquals(0, named.exit(), named.err());
        assertEquals(names, TrainFixtures.bundle(run.resolve("model.zip")).entityNames());
    }

    @Test
    void metadataLackingAFieldIsOneLineNamingTheFileAndTheField() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String field : List.of("counts", "entities", "shape")) {
            String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("no-" + field), 20, 10);
            Path file = Path.of(data, DatasetSchema.METADATA_FILE);
            ObjectNode metadata = (ObjectNode) json.readTree(file.toFile());
            metadata.remove(field);
            Files.write(file, json.writeValueAsBytes(metadata));
            Files.deleteIfExists(Path.of(data, "." + DatasetSchema.METADATA_FILE + ".crc"));
            TrainFixtures.Run run = TrainFixtures.vcaps("train", "--data", data, "--output",
                    dir.resolve("run-" + field).toString(), "--conf", tinyConf());
            assertEquals(1, run.exit(), field);
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains(DatasetSchema.METADATA_FILE + " lacks the field '" + field + "'")
                    && run.err().contains(data), run.err());
            assertFalse(run.err().contains("NullPointerException"), run.err());
        }
    }
}
