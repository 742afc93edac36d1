package io.vcaps.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.batch.TrainedFixture;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void anUnfittedClassifierSavesAndLoadsInAPipeline() throws Exception {
        VcapsClassifier classifier = new VcapsClassifier().setRunDir("hdfs:///runs/x").setConf("/etc/vcaps.conf")
                .setEntityNames(new String[] {"cat", "dog"}).setWorkers(3).setEpochs(2.5).setTestFraction(0.25);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {classifier});
        String saved = dir.resolve("pipeline").toString();
        pipeline.write().save(saved);

        PipelineStage[] stages = Pipeline.load(saved).getStages();
        assertEquals(1, stages.length);
        VcapsClassifier loaded = (VcapsClassifier) stages[0];
        assertEquals(classifier.uid(), loaded.uid());
        assertEquals(params(classifier), params(loaded), "every param, set and default");
        assertEquals("hdfs:///runs/x", loaded.getOrDefault(loaded.runDir()));
        assertEquals(List.of("cat", "dog"), List.of(loaded.getEntityNames()));
        assertEquals(3, (int) loaded.getOrDefault(loaded.workers()));
        assertEquals(0, (int) loaded.getOrDefault(loaded.averagingFrequency()), "a default stays a default");
        assertFalse(loaded.isSet(loaded.averagingFrequency()));

        String alone = dir.resolve("estimator").toString();
        classifier.write().save(alone);
        assertEquals(params(classifier), params(VcapsClassifier.load(alone)));
    }

    /** Each param's name with its value as Spark's JSON, set or default. */
    private static List<String> params(VcapsClassifier c) {
        return Arrays.stream(c.params()).map(p -> {
            @SuppressWarnings("unchecked")
            Param<Object> param = (Param<Object>) p;
            return param.name() + (c.isSet(param) ? " = " : " defaults to ") + param.jsonEncode(c.getOrDefault(param));
        }).toList();
    }
}
