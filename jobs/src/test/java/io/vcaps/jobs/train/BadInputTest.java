package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input is a clear error naming what is wrong, before any training; a round whose loss goes NaN or infinite is
 * not averaged in, the learning rates drop, metrics say so, and the run fails after the configured number of them.
 */
class BadInputTest {

    @TempDir
    Path dir;

    private TrainFixtures.Run train(String data, String conf, String... more) {
        String[] args = {"train", "--data", data, "--output", dir.resolve("run-" + System.nanoTime()).toString(),
                "--conf", conf};
        return TrainFixtures.vcaps(ResumeTest.concat(args, more));
    }

    private String tinyConf() throws Exception {
        return TrainFixtures.conf(dir, TrainFixtures.TINY).getPath();
    }

    @Test
    void missingColumnIsNamed() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("no-pixels"), 20, 10,
                d -> d.drop(DatasetSchema.PIXELS), new ImageShape(28, 28, 1));
        TrainFixtures.Run run = train(data, tinyConf());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("lacks the column pixels"), run.err());
        assertTrue(run.err().contains(data), run.err());
    }

    @Test
    void imageShapeTheConfigurationCannotTakeIsNamed() throws Exception {
        SparkSession spark = TestSpark.session();
        String data = dir.resolve("thirty").toString();
        Random random = new Random(3);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            byte[] pixels = new byte[30 * 30];
            random.nextBytes(pixels);
            String split = i < 20 ? DatasetSchema.TRAIN : DatasetSchema.TEST;
            rows.add(RowFactory.create(split + i, split, i % 10, Integer.toString(i % 10), new Integer[]{i % 10}, 30,
                    30,
                    1, pixels));
        }
        spark.createDataFrame(rows, DatasetSchema.IMAGES).write().mode(SaveMode.ErrorIfExists)
                .partitionBy(DatasetSchema.SPLIT).parquet(data);
        TrainFixtures.metadata(spark, data, new ImageShape(30, 30, 1), 20, 10);
        TrainFixtures.Run run = train(data, tinyConf());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("30x30x1") && run.err().contains("divisible by 4"), run.err());
    }

    @Test
    void rowsOfAnotherShapeThanTheDatasetsAreNamed() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("mixed"), 20, 10,
                d -> d.withColumn(DatasetSchema.HEIGHT, col(DatasetSchema.WIDTH).plus(4)), new ImageShape(28, 28, 1));
        TrainFixtures.Run run = train(data, tinyConf());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("are 32x28x1 images, not the dataset's 28x28x1"), run.err());
    }

    @Test
    void emptySplitIsNamed() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("train-only"), 20, 10,
                d -> d.filter(col(DatasetSchema.SPLIT).equalTo(DatasetSchema.TRAIN)), new ImageShape(28, 28, 1));
        TrainFixtures.Run run = train(data, tinyConf());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("has no rows in split 'test'"), run.err());
    }

    @Test
    void divergingRunLowersTheLearningRateThenFails() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 40, 10);
        // Adam moves each weight by about the learning rate: 1e30 overflows float32 in the next forward pass (the
        // bounded logvar keeps KL finite at any smaller scale).
        String conf = TrainFixtures.conf(dir, TrainFixtures.TINY + """
                vcaps.optimizer.encoder-generator.learning-rate = 1e30
                vcaps.training.non-finite { max-rounds = 2, learning-rate-factor = 0.5 }
                """).getPath();
        Path output = dir.resolve("diverging");
        TrainFixtures.Run run = TrainFixtures.vcaps("train", "--data", data, "--output", output.toString(),
                "--conf", conf, "--workers", "1", "--averaging-frequency", "1", "--epochs", "5");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("NaN or infinite") && run.err().contains("non-finite.max-rounds = 2"),
                run.err());
        List<JsonNode> bad = TrainFixtures.metrics(output, "non_finite");
        assertEquals(2, bad.size());
        assertEquals(0.5, bad.get(0).get("learning_rate_scale").asDouble());
        assertEquals(0.25, bad.get(1).get("learning_rate_scale").asDouble());
        assertTrue(bad.get(0).get("action").asText().contains("not averaged in"));
        assertFalse(Files.exists(output.resolve("model.zip")));
    }

    @Test
    void roundGoingNonFiniteIsNotAveragedAndRunsAgainOnTheSameMinibatches() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 40, 10);
        // A huge learning rate: the first step's update makes the second step's loss infinite. The round is
        // dropped, the rates are scaled by 1e-33 (back to 1e-3) and the same round trains again.
        String conf = TrainFixtures.conf(dir, TrainFixtures.TINY + """
                vcaps.optimizer.encoder-generator.learning-rate = 1e30
                vcaps.training.non-finite { max-rounds = 3, learning-rate-factor = 1e-33 }
                """).getPath();
        Path output = dir.resolve("recovering");
        TrainFixtures.Run run = TrainFixtures.vcaps("train", "--data", data, "--output", output.toString(),
                "--conf", conf, "--workers", "1", "--averaging-frequency", "2", "--epochs", "2");
        assertEquals(0, run.exit(), run.err());
        List<JsonNode> bad = TrainFixtures.metrics(output, "non_finite");
        assertEquals(1, bad.size());
        assertEquals(1, bad.get(0).get("round").asInt());
        assertTrue(bad.get(0).get("action").asText().contains("runs again on the same minibatches"), bad.toString());
        // Both rounds of the 2 epochs are trained, round 1 at the lower rate: none of its minibatches is left out.
        List<JsonNode> good = TrainFixtures.metrics(output, "round");
        assertEquals(2, good.size(), good.toString());
        for (int r = 0; r < 2; r++) {
            assertEquals(r + 1, good.get(r).get("round").asInt());
            assertEquals(1e-33, good.get(r).get("learning_rate_scale").asDouble(), 1e-45);
            assertEquals(40, good.get(r).get("examples").asLong(), "a round of 2 steps of 20 images");
            assertTrue(good.get(r).get("margin").isNumber());
        }
        assertEquals(2, TrainFixtures.bundle(output.resolve("model.zip")).provenance().rounds());
    }
}
