package io.vcaps.ml;

import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.batch.TrainedFixture;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vcaps_classify} in SQL on a real local[2] session: the Transformer's predictions, one image at a time. */
class VcapsFunctionsTest {
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
    void classifiesSparkImagesFilesAndPixelsInSql() throws Exception {
        Path images = VcapsModelTest.writeImageFolder(dir.resolve("images"));
        VcapsModel model = VcapsModel.fromBundle(fixture.bundle.toString());
        VcapsFunctions.register(spark, model);
        spark.read().format("image").load(images + "/*").createOrReplaceTempView("images");
        spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(images.toString())
                .createOrReplaceTempView("files");

        Map<String, Row> expected = VcapsModelTest.byFile(model.transform(spark.table("files")), images);
        Map<String, Row> fromImages = VcapsModelTest.byFile(spark.sql(
                "SELECT path, c.* FROM (SELECT image.origin AS path, vcaps_classify(image) AS c FROM images)"), images);
        Map<String, Row> fromFiles = VcapsModelTest.byFile(spark.sql(
                "SELECT path, c.* FROM (SELECT path, vcaps_classify(content) AS c FROM files)"), images);
        assertEquals(VcapsModelTest.FILES + 1, fromImages.size());
        assertEquals(expected.keySet(), fromFiles.keySet());
        for (Map.Entry<String, Row> e : expected.entrySet()) {
            if (e.getValue().getAs("predicted") == null) {
                continue;
            }
            assertSame(e.getValue(), fromImages.get(e.getKey()), "image " + e.getKey());
            assertSame(e.getValue(), fromFiles.get(e.getKey()), "file " + e.getKey());
        }
        assertNull(fromFiles.get("3/corrupt.png").getAs("predicted"));
        assertTrue(fromFiles.get("3/corrupt.png").<String>getAs("reason").contains("cannot be decoded"));

        spark.read().parquet(fixture.dataset.toString()).where("split = 'test'").orderBy("id").limit(50)
                .createOrReplaceTempView("digits");
        List<Row> pixels = spark.sql("SELECT label, vcaps_classify(struct(pixels, height, width, channels)).predicted"
                + " AS predicted, vcaps_classify(struct(label)).reason AS reason FROM digits").collectAsList();
        assertEquals(50, pixels.size());
        int right = 0;
        for (Row r : pixels) {
            right += r.getInt(0) == r.getInt(1) ? 1 : 0;
            assertTrue(r.getString(2).startsWith("bad_input: "), r.getString(2));
        }
        // The fixture's model gets 23 of these 50 right (0.47 of the whole test split); chance is 5.
        assertTrue(right >= 19, right + " of 50 right");
    }

    /** Same prediction and, up to the float rounding of another batch size, the same KL. */
    private static void assertSame(Row expected, Row actual, String what) {
        assertEquals((Integer) expected.getAs("predicted"), actual.getAs("predicted"), what);
        assertEquals((String) expected.getAs("predicted_name"), actual.getAs("predicted_name"), what);
        List<Float> a = expected.getList(expected.fieldIndex("kl"));
        List<Float> b = actual.getList(actual.fieldIndex("kl"));
        for (int k = 0; k < a.size(); k++) {
            assertEquals(a.get(k), b.get(k), 1e-3f * Math.max(1, Math.abs(a.get(k))), what + " KL " + k);
        }
        assertNull(actual.getAs("reason"), what);
    }
}
