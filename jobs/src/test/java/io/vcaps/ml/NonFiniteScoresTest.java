package io.vcaps.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.bench.DigitsDataset;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.batch.ClassificationSchema;
import io.vcaps.jobs.batch.ClassifyJob;
import io.vcaps.jobs.batch.Cli;
import io.vcaps.jobs.train.TrainFixtures;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An image whose KL is not finite (a bundle of finite but enormous encoder weights overflows float32) has no
 * prediction: a null one with reason {@code non_finite} from the Transformer, the SQL function and {@code vcaps
 * classify}, which counts them in {@code _eval.json}; before, the argmin of NaNs was an arbitrary entity.
 */
class NonFiniteScoresTest {
    @TempDir
    Path dir;

    private Path bundle(float scale) throws Exception {
        return TrainFixtures.tinyBundle(dir.resolve("scaled-" + scale + ".zip"),
                m -> m.encoder().params().muli(scale));
    }

    @Test
    void aNonFiniteKlIsANullPredictionWithReasonNonFinite() throws Exception {
        SparkSession spark = TestSpark.session();
        Path data = dir.resolve("digits");
        DigitsDataset.write(spark, data.toString(), 12, 4, 3);
        Dataset<Row> rows = spark.read().parquet(data.toString());
        Path overflowing = bundle(1e30f);

        List<Row> scored = VcapsModel.fromBundle(overflowing.toString()).setInputCol(DatasetSchema.PIXELS)
                .setInputFormat("pixels").transform(rows).collectAsList();
        assertEquals(16, scored.size(), "every row is kept");
        for (Row r : scored) {
            assertNull(r.getAs(ScoreColumns.PREDICTED), r.toString());
            assertNull(r.getAs(ScoreColumns.KL), r.toString());
            assertTrue(r.<String>getAs(ScoreColumns.REASON).startsWith("non_finite: has KL ["), r.toString());
        }
        List<Row> sane = VcapsModel.fromBundle(bundle(1f).toString()).setInputCol(DatasetSchema.PIXELS)
                .setInputFormat("pixels").transform(rows).collectAsList();
        sane.forEach(r -> assertNotNull(r.getAs(ScoreColumns.PREDICTED), "the same images score with sane weights"));

        VcapsFunctions.register(spark, VcapsModel.fromBundle(overflowing.toString()));
        rows.createOrReplaceTempView("overflow_digits");
        for (Row r : spark.sql("SELECT vcaps_classify(struct(pixels, height, width, channels)) AS c"
                + " FROM overflow_digits").collectAsList()) {
            Row c = r.getStruct(0);
            assertNull(c.getAs(ScoreColumns.PREDICTED), c.toString());
            assertTrue(c.<String>getAs(ScoreColumns.REASON).startsWith("non_finite: "), c.toString());
        }

        Path out = dir.resolve("classified");
        Cli classify = Cli.run(new ClassifyJob(), "--model", overflowing.toString(), "--data", data.toString(),
                "--output", out.toString());
        assertEquals(0, classify.exit(), classify.err());
        assertTrue(classify.out().contains("16 images without a prediction (reason non_finite"), classify.out());
        List<Row> written = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(16, written.size(), "every image is kept");
        for (Row r : written) {
            assertNull(r.getAs(ScoreColumns.PREDICTED), r.toString());
            assertTrue(r.<String>getAs(ScoreColumns.REASON).startsWith("non_finite: has KL ["), r.toString());
        }
        JsonNode eval = new ObjectMapper().readTree(out.resolve(ClassificationSchema.EVAL_FILE).toFile());
        assertEquals(16, eval.get("non_finite").asLong(), eval.toString());
        assertEquals(0, eval.get("rows").asLong(), "no row has a prediction to score: " + eval);
        assertEquals(12, eval.at("/splits/train/non_finite").asLong(), eval.toString());
        assertEquals(4, eval.at("/splits/test/non_finite").asLong(), eval.toString());
        assertFalse(eval.has("accuracy"), eval.toString());
    }
}
