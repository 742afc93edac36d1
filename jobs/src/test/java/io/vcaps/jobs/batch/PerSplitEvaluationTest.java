package io.vcaps.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vcaps classify} without {@code --split} evaluates each split apart and says which (before, train and test
 * were scored as one, the training images in the accuracy); {@code macro_f1} averages over the entities that have
 * examples (before, an entity without any counted as F1 0); a labelled dataset without {@code _vcaps.json} is refused
 * unless its entities are named (before, its label indices were taken for the model's).
 */
class PerSplitEvaluationTest {
    private static SparkSession spark;
    private static TrainedFixture fixture;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        spark = TestSpark.session();
        fixture = TrainedFixture.get();
    }

    @Test
    void withoutSplitEachSplitIsEvaluatedApart() throws Exception {
        Path out = dir.resolve("each");
        Cli run = Cli.run(new ClassifyJob(), "--model", fixture.bundle.toString(), "--data",
                fixture.dataset.toString(), "--output", out.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("split test: accuracy ") && run.out().contains("split train: accuracy "),
                run.out());

        JsonNode eval = new ObjectMapper().readTree(out.resolve(ClassificationSchema.EVAL_FILE).toFile());
        assertEquals("each", eval.get("split").asText());
        assertFalse(eval.has("accuracy"), "no accuracy of train and test together: " + eval);
        assertEquals(TrainedFixture.TRAIN + TrainedFixture.TEST, eval.get("rows").asLong());
        assertEquals(0, eval.get("non_finite").asLong());
        JsonNode splits = eval.get("splits");
        assertEquals(List.of("test", "train"), List.copyOf(iterable(splits)));
        for (String split : List.of("train", "test")) {
            List<Row> rows = spark.read().parquet(out.toString()).where(col(ClassificationSchema.SPLIT).equalTo(split))
                    .select(ClassificationSchema.PREDICTED, ClassificationSchema.LABEL).collectAsList();
            long right = rows.stream().filter(r -> r.getInt(0) == r.getInt(1)).count();
            JsonNode one = splits.get(split);
            assertEquals(rows.size(), one.get("rows").asLong(), split);
            assertEquals(right / (double) rows.size(), one.get("accuracy").asDouble(), 0.0, split);
            assertEquals("_confusion_" + split + ".png", one.get("confusion_png").asText());
            assertTrue(Files.size(out.resolve("_confusion_" + split + ".png")) > 0, split);
        }
        assertEquals(TrainedFixture.TRAIN, splits.at("/train/rows").asLong());
        assertEquals(TrainedFixture.TEST, splits.at("/test/rows").asLong());

        Path test = dir.resolve("test");
        assertEquals(0, Cli.run(new ClassifyJob(), "--model", fixture.bundle.toString(), "--data",
                fixture.dataset.toString(), "--output", test.toString(), "--split", "test").exit());
        JsonNode alone = new ObjectMapper().readTree(test.resolve(ClassificationSchema.EVAL_FILE).toFile());
        assertEquals("test", alone.get("split").asText());
        assertEquals(alone.get("accuracy").asDouble(), splits.at("/test/accuracy").asDouble(), 0.0,
                "the test split's evaluation is the same alone or beside the train split's");
        assertEquals(alone.get("confusion"), splits.at("/test/confusion"));
    }

    @Test
    void macroF1CoversTheEntitiesWithExamples() throws Exception {
        Path data = dir.resolve("no-nines");
        spark.read().parquet(fixture.dataset.toString()).where(col(DatasetSchema.SPLIT).equalTo(DatasetSchema.TEST)
                .and(col(DatasetSchema.LABEL).notEqual(9))).write().partitionBy(DatasetSchema.SPLIT)
                .parquet(data.toString());
        Files.copy(fixture.dataset.resolve(DatasetSchema.METADATA_FILE), data.resolve(DatasetSchema.METADATA_FILE));
        Path out = dir.resolve("scored");
        Cli run = Cli.run(new ClassifyJob(), "--model", fixture.bundle.toString(), "--data", data.toString(),
                "--output", out.toString(), "--split", "test");
        assertEquals(0, run.exit(), run.err());
        JsonNode eval = new ObjectMapper().readTree(out.resolve(ClassificationSchema.EVAL_FILE).toFile());
        double sum = 0;
        for (JsonNode e : eval.get("per_entity")) {
            if (e.get("entity").asInt() < 9) {
                assertTrue(e.get("support").asLong() > 0, e.toString());
                sum += e.get("f1").asDouble();
            }
        }
        assertEquals(0, eval.at("/per_entity/9/support").asLong());
        assertEquals(9, eval.get("macro_f1_entities").asInt());
        assertEquals(sum / 9, eval.get("macro_f1").asDouble(), 1e-12);
        assertNotEquals(sum / 10, eval.get("macro_f1").asDouble(), "the entity without examples is left out");

        Files.delete(data.resolve(DatasetSchema.METADATA_FILE));
        Path refused = dir.resolve("refused");
        Cli bare = Cli.run(new ClassifyJob(), "--model", fixture.bundle.toString(), "--data", data.toString(),
                "--output", refused.toString());
        assertEquals(1, bare.exit());
        assertEquals(1, bare.err().strip().lines().count(), bare.err());
        assertTrue(bare.err().contains("dataset " + data + " has no _vcaps.json")
                && bare.err().contains("--entity-names"), bare.err());
        assertFalse(Cli.leftovers(refused));
    }

    private static List<String> iterable(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
