package io.vcaps.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.bench.SyntheticDataset;
import io.vcaps.core.data.SyntheticDigits;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.etl.EtlJob;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vcaps classify} on class folders whose names are partly or wholly not the model's entities: every image is
 * scored, and the evaluation covers the images of the model's entities and says what it left out.
 */
class ForeignEntitiesTest {
    private static SparkSession spark;
    private static TrainedFixture fixture;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        spark = TestSpark.session();
        fixture = TrainedFixture.get();
    }

    /** Writes the first {@code n} test digits as PNG files, a digit d into folder {@code names.get(d)}. */
    private Path folders(Path root, int n, Map<Integer, String> names) throws Exception {
        SyntheticDigits.Batch digits = SyntheticDataset.images(n, TrainedFixture.SEED, true);
        for (int i = 0; i < n; i++) {
            Path folder = Files.createDirectories(root.resolve(names.getOrDefault(digits.labels()[i], "other")));
            BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, 28, 28, digits.pixels()[i]);
            ImageIO.write(image, "png", folder.resolve(String.format("%03d.png", i)).toFile());
        }
        return root;
    }

    private Path etl(Path images) {
        Path dataset = dir.resolve(images.getFileName() + "-etl");
        Cli etl = Cli.run(new EtlJob(), "--source", "folders", "--input", images.toString(), "--output",
                dataset.toString());
        assertEquals(0, etl.exit(), etl.err());
        return dataset;
    }

    @Test
    void scoresEveryImageAndEvaluatesTheModelsEntities() throws Exception {
        // Digits 0-4 under their own names, the others in a folder "other" the model does not know.
        Path data = etl(folders(dir.resolve("mixed"), 60, Map.of(0, "0", 1, "1", 2, "2", 3, "3", 4, "4")));
        Path out = dir.resolve("scored");
        Cli run = Cli.run(new ClassifyJob(), "--model", fixture.bundle.toString(), "--data", data.toString(),
                "--output", out.toString());
        assertEquals(0, run.exit(), run.err());
        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(60, rows.size(), "every image scored");
        long known = rows.stream().filter(r -> !r.getString(0).startsWith("other/")).count();
        long right = 0;
        for (Row r : rows) {
            if (r.getString(0).startsWith("other/")) {
                assertNull(r.getAs("label"), r.getString(0));
                assertNull(r.getAs("labels"), r.getString(0));
            } else {
                assertEquals(Integer.parseInt(r.getString(0).substring(0, 1)), (int) r.<Integer>getAs("label"));
                right += r.<Integer>getAs("predicted").equals(r.getAs("label")) ? 1 : 0;
            }
        }
        assertTrue(known > 0 && known < 60, known + " of 60 images are of the model's entities");
        JsonNode eval = new ObjectMapper().readTree(out.resolve(ClassificationSchema.EVAL_FILE).toFile());
        assertEquals(known, eval.get("rows").asLong());
        assertEquals(60, eval.get("rows_scored").asLong());
        assertEquals(60 - known, eval.get("not_evaluated").get("rows").asLong());
        assertEquals("[\"other\"]", eval.get("not_evaluated").get("entities").toString());
        // The ETL's hash split gives train and test rows, each split evaluated apart.
        double rightInSplits = 0;
        for (JsonNode split : eval.get("splits")) {
            rightInSplits += split.get("accuracy").asDouble() * split.get("rows").asLong();
            assertTrue(Files.exists(out.resolve(split.get("confusion_png").asText())), split.toString());
        }
        assertEquals(right, rightInSplits, 1e-9);
        assertTrue(run.out().contains("entities the model does not know [other] scored, not evaluated"), run.out());
    }

    @Test
    void aDatasetOfOtherEntitiesOnlyIsScoredAndNotEvaluated() throws Exception {
        Path data = etl(folders(dir.resolve("pets"), 20, Map.of(0, "cat", 1, "cat", 2, "cat", 3, "cat", 4, "cat")));
        Path out = dir.resolve("scored");
        Cli run = Cli.run(new ClassifyJob(), "--model", fixture.bundle.toString(), "--data", data.toString(),
                "--output", out.toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals(20, spark.read().parquet(out.toString()).count());
        JsonNode eval = new ObjectMapper().readTree(out.resolve(ClassificationSchema.EVAL_FILE).toFile());
        assertEquals(0, eval.get("rows").asLong());
        assertEquals(20, eval.get("not_evaluated").get("rows").asLong());
        assertFalse(eval.has("accuracy"), eval.toString());
        assertFalse(Files.exists(out.resolve(ClassificationSchema.CONFUSION_FILE)));
        assertTrue(run.out().contains("(no labels the model knows; 20 images"), run.out());
    }
}
