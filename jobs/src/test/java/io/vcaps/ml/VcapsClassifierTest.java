package io.vcaps.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.batch.TrainedFixture;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
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

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
                .setWorkers(2).setAveragingFrequency(5).setEpochs(3).setReturnModel("best");
        VcapsModel model = classifier.fit(digits);
        assertSame(classifier, model.parent());
        assertEquals(10, model.entityNames().size());
        Path fitted = run.resolve("fit-1");
        assertEquals(VcapsModel.fromBundle(fitted.resolve("best.zip").toString()).bundleId(), model.bundleId(),
                "returnModel = best returns best.zip");
        assertEquals("best", model.model().provenance().selection().model());
        assertNotEquals(VcapsModel.fromBundle(fitted.resolve("model.zip").toString()).bundleId(), model.bundleId());
        assertThrows(IllegalArgumentException.class, () -> classifier.setReturnModel("newest"));

        Dataset<Row> scored = model.transform(digits.where(col("split").equalTo("test")));
        long rows = scored.count();
        long right = scored.where(col("predicted").equalTo(col("label"))).count();
        double accuracy = right / (double) rows;
        JsonNode eval = new ObjectMapper().readTree(fitted.resolve("eval.json").toFile());
        System.out.printf("fit: held-out accuracy %.4f (eval.json %.4f) on %d images%n", accuracy,
                eval.get("accuracy").asDouble(), rows);
        assertEquals(TrainedFixture.TEST, rows);
        // 0.373 on this fixture (three epochs of 960 images on two workers); a constant model gets 0.1.
        assertTrue(accuracy >= 0.33, "held-out accuracy " + accuracy + " (chance: 0.1)");
        assertEquals(eval.get("accuracy").asDouble(), accuracy, 0.01, "the training's own evaluation");

        IllegalArgumentException noLabels = assertThrows(IllegalArgumentException.class,
                () -> classifier.fit(digits.drop("label", "labels")));
        assertTrue(noLabels.getMessage().contains("fit needs the column 'label'"), noLabels.getMessage());
    }

    @Test
    void aCrossValidatorTunesItAndEveryFitKeepsItsOwnRun() throws Exception {
        Path conf = dir.resolve("model.conf");
        Files.writeString(conf, TrainedFixture.CONF + "\nvcaps.training { batch-size = 32, eval-every = 1000,"
                + " prior-images = 0 }\n");
        Path runs = dir.resolve("runs");
        Dataset<Row> digits = spark.read().parquet(fixture.dataset.toString()).drop("label_name");
        VcapsClassifier classifier = new VcapsClassifier().setRunDir(runs.toString()).setConf(conf.toString())
                .setWorkers(2).setAveragingFrequency(5);
        // Spark's evaluators read a double prediction column; predicted is the entity index.
        SQLTransformer prediction = new SQLTransformer()
                .setStatement("SELECT *, CAST(predicted AS DOUBLE) AS prediction FROM __THIS__");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {classifier, prediction});
        ParamMap[] grid = new ParamGridBuilder().addGrid(classifier.epochs(), new double[] {0.25, 5}).build();
        CrossValidator tuning = new CrossValidator().setEstimator(pipeline).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setLabelCol("label")
                        .setPredictionCol("prediction").setMetricName("accuracy"))
                .setNumFolds(2).setSeed(3);

        CrossValidatorModel tuned = tuning.fit(digits);

        double[] metrics = tuned.avgMetrics();
        System.out.printf("cross-validation: accuracy %.4f at 0.25 epochs, %.4f at 5%n", metrics[0], metrics[1]);
        assertEquals(2, metrics.length);
        // 0.103 and 0.237 on this fixture: each fold trains on half of 960 images.
        assertTrue(metrics[1] > metrics[0] + 0.08 && metrics[1] >= 0.21, "fold accuracies " + Arrays.toString(metrics)
                + " (chance: 0.1): twenty times the training should win");
        PipelineModel bestPipeline = (PipelineModel) tuned.bestModel();
        VcapsModel best = (VcapsModel) bestPipeline.stages()[0];
        VcapsClassifier parent = (VcapsClassifier) best.parent();
        assertEquals(5.0, (double) parent.getOrDefault(parent.epochs()), "the best model is the best setting's");
        // Two settings x two folds, then the best setting refitted on all rows: five runs, each whole.
        for (int n = 1; n <= 5; n++) {
            assertTrue(Files.isRegularFile(runs.resolve("fit-" + n).resolve("model.zip")), "fit-" + n);
            assertTrue(Files.isRegularFile(runs.resolve("fit-" + n).resolve("eval.json")), "fit-" + n);
        }
        assertFalse(Files.exists(runs.resolve("fit-6")));
        assertEquals(TrainedFixture.TEST, bestPipeline.transform(digits.where(col("split").equalTo("test")))
                .where(col("prediction").equalTo(col("predicted").cast("double"))).count());
    }

    @Test
    void rowsWithLabelsFitAMultiLabelModel() throws Exception {
        Path conf = dir.resolve("model.conf");
        Files.writeString(conf, TrainedFixture.CONF + "\nvcaps.training { batch-size = 32, eval-every = 1000 }\n");
        // Each digit image shows two entities: its digit and its parity.
        Dataset<Row> rows = spark.read().parquet(fixture.dataset.toString())
                .withColumn("labels", array(col("label"), lit(10).plus(col("label").mod(2))))
                .drop("label", "label_name");
        String[] names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "even", "odd"};
        VcapsClassifier classifier = new VcapsClassifier().setRunDir(dir.resolve("run").toString())
                .setConf(conf.toString()).setEntityNames(names).setWorkers(2).setAveragingFrequency(5).setEpochs(2);

        VcapsModel model = classifier.fit(rows);

        assertEquals(List.of(names), model.entityNames());
        List<Row> scored = model.transform(rows.where(col("split").equalTo("test"))).select("labels", "present")
                .collectAsList();
        long right = 0;
        for (Row r : scored) {
            List<Integer> truth = r.getList(0);
            List<Integer> present = r.getList(1);
            for (int k = 0; k < names.length; k++) {
                right += truth.contains(k) == present.contains(k) ? 1 : 0;
            }
        }
        double presenceAccuracy = right / (double) (scored.size() * names.length);
        JsonNode eval = new ObjectMapper().readTree(dir.resolve("run/fit-1/eval.json").toFile());
        double meanAccuracy = eval.path("multi_label").path("mean_accuracy").asDouble(Double.NaN);
        System.out.printf("multi-label fit: presence accuracy %.4f (eval.json mean_accuracy %.4f)%n",
                presenceAccuracy, meanAccuracy);
        assertEquals(TrainedFixture.TEST, scored.size());
        assertFalse(eval.has("accuracy"), "multi-label runs have no single-label accuracy: " + eval);
        assertEquals(meanAccuracy, presenceAccuracy, 0.01, "every image is scored on all 12 entities, so the mean"
                + " over entities of their accuracies is the share of right presence calls");

        IllegalArgumentException unlabelled = assertThrows(IllegalArgumentException.class, () -> classifier.fit(
                rows.withColumn("labels", when(col("split").equalTo("test"), col("labels")))));
        assertTrue(unlabelled.getMessage().contains("'labels' is null in " + TrainedFixture.TRAIN + " rows"),
                unlabelled.getMessage());
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
