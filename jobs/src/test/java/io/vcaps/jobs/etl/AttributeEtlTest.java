package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.dataset.Splits;
import io.vcaps.images.ImageFixtures;
import io.vcaps.images.ImageLimits;
import io.vcaps.spark.OutputMode;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The attributes source end to end: images plus a CelebA-style attribute file with bad rows. */
class AttributeEtlTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = TestSpark.session();
    }

    @Test
    void attributeRowsGiveMultiLabelTargetsAndBadRowsAreRejected() throws Exception {
        Path images = dir.resolve("img_align");
        StringBuilder attributes = new StringBuilder("12\nSmiling Eyeglasses Young\n");
        for (int i = 1; i <= 10; i++) {
            String name = String.format("%06d.jpg", i);
            Fixtures.image(images.resolve(name), ImageFixtures.solid(20, 24, i % 2 == 0 ? 0x00ff00 : 0x0000ff), "jpg");
            attributes.append(name).append(i % 2 == 0 ? "  1" : " -1").append(i % 3 == 0
                    ? "  1" : " -1").append("  1\n");
        }
        Fixtures.image(images.resolve("000011.jpg"), ImageFixtures.solid(20, 24, 0), "jpg");
        attributes.append("000011.jpg  0 -1  1\n");
        attributes.append("000404.jpg  1 -1  1\n");
        attributes.append("../outside.jpg 1 1 1\n");
        Fixtures.image(images.resolve("000012.jpg"), ImageFixtures.solid(20, 24, 0), "jpg");
        Fixtures.write(images.resolve("000013.jpg"), new byte[0]);
        attributes.append("000013.jpg  1 -1  1\n");
        Path attributeFile = Fixtures.write(dir.resolve("list_attr.txt"), attributes.toString().getBytes());

        Path output = dir.resolve("out");
        DatasetMetadata metadata = EtlPipeline.run(spark, new EtlRequest(SourceKind.ATTRIBUTES, images.toString(),
                attributeFile.toString(), output.toString(), new ImageShape(12, 10, 3), 0.2, OutputMode.ERROR,
                ImageLimits.DEFAULT_MAX_PIXELS, ImageLimits.DEFAULT_MAX_FILE_BYTES, 0));

        assertTrue(metadata.multiLabel());
        assertEquals(List.of("Smiling", "Eyeglasses", "Young"), metadata.entities());
        assertEquals(10, metadata.images());
        Map<String, Row> rows = new HashMap<>();
        for (Row row : spark.read().parquet(output.toString()).collectAsList()) {
            rows.put(row.getAs("id"), row);
        }
        assertEquals(10, rows.size());
        Row six = rows.get("000006.jpg");
        assertEquals(List.of(0, 1, 2), six.getList(six.fieldIndex("labels")));
        assertEquals("Smiling|Eyeglasses|Young", six.getAs("label_name"));
        assertEquals(-1, (int) six.getAs("label"));
        Row one = rows.get("000001.jpg");
        assertEquals(List.of(2), one.getList(one.fieldIndex("labels")));
        byte[] pixels = one.getAs("pixels");
        assertEquals(12 * 10 * 3, pixels.length);
        assertTrue((pixels[2] & 0xff) > 240 && (pixels[0] & 0xff) < 15, "blue stays blue in RGB order");
        for (Row row : rows.values()) {
            assertEquals(Splits.byHash(row.getAs("id"), 0.2), row.getAs("split"));
        }

        long smiling = metadata.counts().get("train").perEntity().get("Smiling")
                + metadata.counts().get("test").perEntity().get("Smiling");
        assertEquals(5, smiling);
        long young = metadata.counts().get("train").perEntity().get("Young")
                + metadata.counts().get("test").perEntity().get("Young");
        assertEquals(10, young);

        assertEquals(6, metadata.rejects().total());
        assertEquals(Map.of("bad_value", 1L, "missing_file", 1L, "outside_input", 1L, "unlabelled", 2L, "empty_file",
                1L),
                metadata.rejects().byReason());
        Map<String, Row> rejects = new HashMap<>();
        for (Row row : spark.read().parquet(output.resolve("_rejects").toString()).collectAsList()) {
            rejects.put(row.getString(2) + " " + row.getString(0).substring(row.getString(0).lastIndexOf('/') + 1),
                    row);
        }
        assertEquals("attributes", rejects.get("bad_value list_attr.txt:13").getString(1));
        assertTrue(rejects.get("missing_file list_attr.txt:14").getString(3).contains("000404.jpg"));
        assertTrue(rejects.get("outside_input list_attr.txt:15").getString(3).contains("../outside.jpg"));
        assertEquals("label", rejects.get("unlabelled 000012.jpg").getString(1));
        assertTrue(rejects.containsKey("unlabelled 000011.jpg"), "the file whose row was bad is not written: "
                + rejects.keySet());
        assertEquals("read", rejects.get("empty_file 000013.jpg").getString(1));
        String json = Files.readString(output.resolve("_vcaps.json"));
        assertTrue(json.contains("\"attributes\" : \"file:" + attributeFile + "\""), json);
    }
}
