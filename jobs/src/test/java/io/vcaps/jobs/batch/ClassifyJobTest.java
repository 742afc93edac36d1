package io.vcaps.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.bench.SyntheticDataset;
import io.vcaps.core.data.SyntheticDigits;
import io.vcaps.core.vcn.Classification;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.images.PixelConverter;
import io.vcaps.jobs.TestSpark;
import io.vcaps.ml.Bundle;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vcaps classify} end to end: a trained bundle, a real Parquet dataset, local[2] Spark. */
class ClassifyJobTest {
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
    void scoresTheHeldOutSplitWithTheAccuracyOfTheModelInProcess() throws Exception {
        Path out = dir.resolve("scored");
        Cli run = Cli.run(new ClassifyJob(), "--model", fixture.bundle.toString(), "--data", fixture.dataset.toString(),
                "--output", out.toString(), "--split", "test", "--batch-size", "64");
        assertEquals(0, run.exit(), run.err());

        // Independently: the same images through the model in this JVM, in one batch.
        SyntheticDigits.Batch test = SyntheticDataset.images(TrainedFixture.TEST, TrainedFixture.SEED, true);
        Classification expected = fixture.model.classify(TrainedFixture.images(test, 0, TrainedFixture.TEST));
        int right = 0;
        for (int i = 0; i < test.size(); i++) {
            right += expected.predicted()[i] == test.labels()[i] ? 1 : 0;
        }
        double accuracy = right / (double) test.size();

        JsonNode eval = new ObjectMapper().readTree(out.resolve(ClassificationSchema.EVAL_FILE).toFile());
        System.out.printf("held-out accuracy: job %.4f, in-process %.4f (%d images, trained %.1f s)%n",
                eval.get("accuracy").asDouble(), accuracy, test.size(), fixture.trainSeconds);
        assertEquals(accuracy, eval.get("accuracy").asDouble(), 0.0, "the job's accuracy is the model's");
        assertEquals(TrainedFixture.TEST, eval.get("rows").asLong());
        assertEquals("single-label", eval.get("task").asText());
        assertEquals(10, eval.get("per_entity").size());
        long diagonal = 0;
        long total = 0;
        JsonNode counts = eval.get("confusion").get("counts");
        for (int t = 0; t < 10; t++) {
            for (int p = 0; p < 10; p++) {
                total += counts.get(t).get(p).asLong();
                diagonal += t == p ? counts.get(t).get(p).asLong() : 0;
            }
        }
        assertEquals(TrainedFixture.TEST, total);
        assertEquals(right, diagonal);

        // Row by row: the same prediction and KL as in-process.
        Dataset<Row> rows = spark.read().parquet(out.toString());
        assertEquals(List.of("id", "predicted", "predicted_name", "present", "kl", "score", "unknown", "label",
                "labels", "bundle_id", "split", "reason"), Arrays.asList(rows.columns()));
        List<Row> sorted = rows.orderBy("id").collectAsList();
        assertEquals(TrainedFixture.TEST, sorted.size());
        String bundleId = Bundle.idOf(Files.readAllBytes(fixture.bundle));
        for (int i = 0; i < sorted.size(); i++) {
            Row r = sorted.get(i);
            assertEquals(String.format("test-%07d", i), r.getString(0));
            assertEquals(expected.predicted()[i], r.getInt(1), "prediction of " + r.getString(0));
            assertEquals(String.valueOf(r.getInt(1)), r.getString(2));
            assertEquals(test.labels()[i], r.getInt(7));
            assertEquals(bundleId, r.getString(9));
            List<Float> kl = r.getList(4);
            for (int k = 0; k < 10; k++) {
                assertEquals((float) expected.kl()[i][k], kl.get(k), 1e-3f * Math.max(1, Math.abs(kl.get(k))));
            }
        }

        BufferedImage confusion = ImageIO.read(out.resolve(ClassificationSchema.CONFUSION_FILE).toFile());
        assertNotNull(confusion, "a readable PNG");
        assertTrue(confusion.getWidth() >= 480 && confusion.getHeight() >= 480);
        // The picture is the chart of the counts in _eval.json (the chart's cells are checked below).
        long[][] matrix = new long[10][10];
        for (int t = 0; t < 10; t++) {
            for (int p = 0; p < 10; p++) {
                matrix[t][p] = counts.get(t).get(p).asLong();
            }
        }
        String title = String.format(java.util.Locale.ROOT,
                "Confusion matrix: accuracy %.2f%% of %d images (bundle %s)", 100 * accuracy, TrainedFixture.TEST,
                eval.get("bundle_id").asText());
        assertSamePixels(ImageIO.read(new java.io.ByteArrayInputStream(ConfusionChart.png(matrix,
                fixture.model.entityNames(), title))), confusion);
    }

    /**
     * Each cell of the confusion chart is shaded by its share of its row: white where the count is 0, and darker
     * the larger the share. The matrix has every diagonal cell filled, so the shaded cells span the whole grid.
     */
    @Test
    void theConfusionChartShadesEachCellByItsShareOfItsRow() throws Exception {
        long[][] counts = {{10, 0, 0, 0}, {1, 3, 0, 0}, {0, 2, 6, 2}, {5, 0, 1, 4}};
        BufferedImage chart = ImageIO.read(new java.io.ByteArrayInputStream(ConfusionChart.png(counts,
                List.of("a", "b", "c", "d"), "test")));
        // Shaded pixels are coloured (the text, axes and background are grey levels); the colour scale beside the
        // grid is separated from it by white columns.
        int left = -1;
        int right = -1;
        int top = Integer.MAX_VALUE;
        int bottom = -1;
        for (int x = 0; x < chart.getWidth() && (right < 0 || right == x - 1); x++) {
            for (int y = 0; y < chart.getHeight(); y++) {
                if (coloured(chart.getRGB(x, y))) {
                    left = left < 0 ? x : left;
                    right = x;
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                }
            }
        }
        assertTrue(left >= 0, "no shaded cell");
        double cellW = (right - left + 1) / 4.0;
        double cellH = (bottom - top + 1) / 4.0;
        int[][] red = new int[4][4];
        for (int t = 0; t < 4; t++) {
            for (int p = 0; p < 4; p++) {
                // Near the cell's corner, clear of the share printed at its centre.
                int rgb = chart.getRGB(left + (int) (p * cellW) + 4, top + (int) (t * cellH) + 4);
                red[t][p] = rgb >> 16 & 0xff;
                assertEquals(counts[t][p] == 0, (rgb & 0xffffff) == 0xffffff, "cell " + t + "," + p + " is "
                        + Integer.toHexString(rgb) + " for a count of " + counts[t][p]);
            }
        }
        for (int t = 0; t < 4; t++) {
            for (int p = 0; p < 4; p++) {
                for (int u = 0; u < 4; u++) {
                    for (int q = 0; q < 4; q++) {
                        if (share(counts, t, p) > share(counts, u, q) + 0.05) {
                            assertTrue(red[t][p] < red[u][q], "cell " + t + "," + p + " (share "
                                    + share(counts, t, p) + ") is no darker than cell " + u + "," + q + " (share "
                                    + share(counts, u, q) + ")");
                        }
                    }
                }
            }
        }
    }

    private static double share(long[][] counts, int t, int p) {
        return counts[t][p] / (double) Arrays.stream(counts[t]).sum();
    }

    private static boolean coloured(int rgb) {
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        return r != g || g != b;
    }

    private static void assertSamePixels(BufferedImage expected, BufferedImage actual) {
        assertEquals(expected.getWidth(), actual.getWidth());
        assertEquals(expected.getHeight(), actual.getHeight());
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                assertEquals(expected.getRGB(x, y), actual.getRGB(x, y), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void sameInputSameOutputAndOverwriteOnlyWhenAsked() throws Exception {
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        String[] common = {"--model", fixture.bundle.toString(), "--data", fixture.dataset.toString(), "--split",
                "test"};
        assertEquals(0, Cli.run(new ClassifyJob(), concat(common, "--output", first.toString())).exit());
        assertEquals(0, Cli.run(new ClassifyJob(), concat(common, "--output", second.toString())).exit());
        List<String> a = rows(first);
        List<String> b = rows(second);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i), b.get(i), "row " + i);
        }
        assertArrayEquals(Files.readAllBytes(first.resolve(ClassificationSchema.EVAL_FILE)),
                Files.readAllBytes(second.resolve(ClassificationSchema.EVAL_FILE)));

        Cli again = Cli.run(new ClassifyJob(), concat(common, "--output", first.toString()));
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("output already exists"), again.err());
        Files.delete(first.resolve(ClassificationSchema.EVAL_FILE));
        assertEquals(0,
                Cli.run(new ClassifyJob(), concat(common, "--output", first.toString(), "--mode", "overwrite")).exit());
        assertTrue(Files.exists(first.resolve(ClassificationSchema.EVAL_FILE)), "replaced by a complete output");
    }

    @Test
    void imagesOfAnotherShapeAreScoredConvertedWhenAsked() throws Exception {
        ImageShape rgb = new ImageShape(32, 32, 3);
        ImageShape shape = fixture.model.shape();
        // The held-out digits as 32x32 RGB, in a dataset without metadata: its shape is its rows'.
        UserDefinedFunction widen = udf((UDF1<byte[], byte[]>) p -> PixelConverter.convert(p, shape.height(),
                shape.width(), shape.channels(), rgb), DataTypes.BinaryType);
        Path data = dir.resolve("rgb");
        spark.read().parquet(fixture.dataset.toString()).where(col("split").equalTo("test"))
                .withColumn("pixels", widen.apply(col("pixels"))).withColumn("height", lit(32))
                .withColumn("width", lit(32)).withColumn("channels", lit(3)).write().parquet(data.toString());
        String[] common = {"--model", fixture.bundle.toString(), "--data", data.toString(), "--entity-names",
            "0,1,2,3,4,5,6,7,8,9"};

        Cli refused = Cli.run(new ClassifyJob(), concat(common, "--output", dir.resolve("refused").toString()));
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("holds 32x32x3 images") && refused.err().contains("--convert-images"),
                refused.err());
        assertFalse(Files.exists(dir.resolve("refused")));

        Path out = dir.resolve("converted");
        Cli run = Cli.run(new ClassifyJob(), concat(common, "--output", out.toString(), "--convert-images"));
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("images of 32x32x3 converted to the model's " + shape), run.out());
        JsonNode eval = new ObjectMapper().readTree(out.resolve(ClassificationSchema.EVAL_FILE).toFile());
        assertEquals("[\"32x32x3\"]", eval.get("converted_from").toString());
        assertEquals(TrainedFixture.TEST, eval.get("rows").asLong());

        // In this JVM: each stored image converted back as the ETL converts, then the model.
        List<Row> stored = spark.read().parquet(data.toString()).orderBy("id").select("id", "pixels").collectAsList();
        float[] x = new float[stored.size() * shape.pixels()];
        for (int b = 0; b < stored.size(); b++) {
            byte[] p = PixelConverter.convert((byte[]) stored.get(b).get(1), 32, 32, 3, shape);
            for (int i = 0; i < p.length; i++) {
                x[b * shape.pixels() + i] = (p[i] & 0xff) / 255f;
            }
        }
        Classification expected = fixture.model.classify(Nd4j.create(x, new long[] {stored.size(), shape.pixels()},
                'c'));
        List<Row> scored = spark.read().parquet(out.toString()).orderBy("id").select("id", "predicted")
                .collectAsList();
        assertEquals(stored.size(), scored.size());
        for (int i = 0; i < scored.size(); i++) {
            assertEquals(stored.get(i).getString(0), scored.get(i).getString(0));
            assertEquals(expected.predicted()[i], scored.get(i).getInt(1), "prediction of " + stored.get(i).get(0));
        }
    }

    /**
     * Without {@code --split} each split is evaluated apart and named (before, train and test were scored as one, the
     * training images in the accuracy).
     */
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
        assertEquals(List.of("test", "train"), List.copyOf(fieldNames(splits)));
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

    /**
     * {@code macro_f1} averages over the entities that have examples (before, an entity without any counted as F1
     * 0); a labelled dataset without {@code _vcaps.json} is refused unless its entities are named (before, its label
     * indices were taken for the model's).
     */
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

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> rows(Path output) {
        return spark.read().parquet(output.toString()).orderBy("id").collectAsList().stream().map(Row::toString)
                .toList();
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
