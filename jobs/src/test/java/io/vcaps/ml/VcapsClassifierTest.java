package io.vcaps.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.batch.TrainedFixture;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link VcapsClassifier#fit}: parameter-averaging training on a DataFrame, on a real local[2] session. */
class VcapsClassifierTest {
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
    void fitTrainsAModelThatScoresFarAboveChance() throws Exception {
        Path conf = dir.resolve("model.conf");
        Files.writeString(conf, TrainedFixture.CONF + "\nvcaps.training { batch-size = 32, eval-every = 1000 }\n");
        Path run = dir.resolve("run");
        Dataset<Row> digits = spark.read().parquet(fixture.dataset.toString()).drop("label_name");
        VcapsClassifier classifier = new VcapsClassifier().setRunDir(run.toString()).setConf(conf.toString())
                .setWorkers(2).setAveragingFrequency(5).setEpochs(3);
        VcapsModel model = classifier.fit(digits);
        assertSame(classifier, model.parent());
        assertEquals(10, model.entityNames().size());

        Dataset<Row> scored = model.transform(digits.where(col("split").equalTo("test")));
        long rows = scored.count();
        long right = scored.where(col("predicted").equalTo(col("label"))).count();
        double accuracy = right / (double) rows;
        JsonNode eval = new ObjectMapper().readTree(run.resolve("eval.json").toFile());
        System.out.printf("fit: held-out accuracy %.4f (eval.json %.4f) on %d images%n", accuracy,
                eval.get("accuracy").asDouble(), rows);
        assertEquals(TrainedFixture.TEST, rows);
        assertTrue(accuracy >= 0.3, "held-out accuracy " + accuracy + " (chance: 0.1)");
        assertEquals(eval.get("accuracy").asDouble(), accuracy, 0.01, "the training's own evaluation");

        IllegalArgumentException noLabels = assertThrows(IllegalArgumentException.class,
                () -> classifier.fit(digits.drop("label")));
        assertTrue(noLabels.getMessage().contains("fit needs the column 'label'"), noLabels.getMessage());
    }
}
