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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The folders source end to end: class folders of PNG and JPEG files, mixed with broken files. */
class ImageFolderEtlTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = TestSpark.session();
    }

    private DatasetMetadata etl(Path input, Path output, ImageShape shape, double testFraction,
            long maxFileBytes) throws Exception {
        return EtlPipeline.run(spark,
                new EtlRequest(SourceKind.FOLDERS, input.toString(), null, output.toString(), shape,
                testFraction, OutputMode.ERROR, ImageLimits.DEFAULT_MAX_PIXELS, maxFileBytes, 0));
    }

    private static Map<String, Row> byId(Path output) {
        Map<String, Row> rows = new HashMap<>();
        for (Row row : spark.read().parquet(output.toString()).collectAsList()) {
            rows.put(row.getAs("id"), row);
        }
        return rows;
    }

    /** 3 classes x (8 grey PNG + 4 red JPEG), good only. */
    private Path classFolders(Path root) throws Exception {
        for (String name : List.of("apple", "banana", "cherry")) {
            for (int i = 0; i < 8; i++) {
                Fixtures.image(root.resolve(name).resolve("g" + i + ".png"), ImageFixtures.grey(8, 8, i * 10), "png");
            }
            for (int i = 0; i < 4; i++) {
                Fixtures.image(root.resolve(name).resolve("photos").resolve("r" + i + ".jpg"),
                        ImageFixtures.solid(16, 16, 0xff0000), "jpg");
            }
        }
        return root;
    }

    @Test
    void classFoldersBecomeLabelledRowsSplitByHash() throws Exception {
        Path input = classFolders(dir.resolve("in"));
        Path output = dir.resolve("out");
        DatasetMetadata metadata = etl(input, output, new ImageShape(8, 8, 1), 0.25,
                ImageLimits.DEFAULT_MAX_FILE_BYTES);

        assertEquals(List.of("apple", "banana", "cherry"), metadata.entities());
        assertEquals("hash", metadata.split().method());
        assertEquals(0.25, metadata.split().testFraction());
        Map<String, Row> rows = byId(output);
        assertEquals(36, rows.size());
        assertEquals(36, metadata.images());
        long test = rows.values().stream().filter(r -> r.getAs("split").equals("test")).count();
        assertEquals(test, metadata.counts().get("test").total());
        for (Row row : rows.values()) {
            String id = row.getAs("id");
            assertEquals(Splits.byHash(id, 0.25), row.getAs("split"), id);
        }

        Row banana = rows.get("banana/g3.png");
        assertEquals(1, (int) banana.getAs("label"));
        assertEquals("banana", banana.getAs("label_name"));
        assertEquals(List.of(1), banana.getList(banana.fieldIndex("labels")));
        int[] pixels = ImageFixtures.unsigned(banana.getAs("pixels"));
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                assertEquals(ImageFixtures.greyValue(30, x, y), pixels[y * 8 + x], "pixel " + x + "," + y);
            }
        }
        Row photo = rows.get("cherry/photos/r2.jpg");
        assertEquals(2, (int) photo.getAs("label"));
        for (int value : ImageFixtures.unsigned(photo.getAs("pixels"))) {
            // Red JPEG, resized 16 -> 8, grey by luma: 76, give or take JPEG's loss.
            assertTrue(Math.abs(value - 76) <= 3, "grey of red is " + value);
        }
        for (String entity : metadata.entities()) {
            assertEquals(12, metadata.counts().get("train").perEntity().get(entity)
                    + metadata.counts().get("test").perEntity().get(entity));
        }
    }

    @Test
    void trainAndTestFoldersGiveTheSplit() throws Exception {
        Path input = dir.resolve("in");
        classFolders(input.resolve("train"));
        Fixtures.image(input.resolve("test/apple/t0.png"), ImageFixtures.grey(8, 8, 0), "png");
        Fixtures.image(input.resolve("test/durian/t1.png"), ImageFixtures.grey(8, 8, 0), "png");
        Fixtures.image(input.resolve("valid/apple/v0.png"), ImageFixtures.grey(8, 8, 0), "png");
        Path output = dir.resolve("out");
        DatasetMetadata metadata = etl(input, output, new ImageShape(8, 8, 3), 0.5, ImageLimits.DEFAULT_MAX_FILE_BYTES);

        assertEquals(List.of("apple", "banana", "cherry", "durian"), metadata.entities());
        assertEquals("folders", metadata.split().method());
        assertEquals(36, metadata.counts().get("train").total());
        assertEquals(2, metadata.counts().get("test").total());
        assertEquals(1L, metadata.counts().get("test").perEntity().get("durian"));
        assertEquals(0L, metadata.counts().get("train").perEntity().get("durian"));
        Row durian = byId(output).get("test/durian/t1.png");
        assertEquals("test", durian.getAs("split"));
        assertEquals(3, (int) durian.getAs("label"));
        assertEquals(8 * 8 * 3, ((byte[]) durian.getAs("pixels")).length);
        assertEquals(Map.of("unknown_split", 1L), metadata.rejects().byReason());
    }

    @Test
    void everyBadFileIsRejectedWithItsReasonAndEveryGoodOneWritten() throws Exception {
        Path input = classFolders(dir.resolve("in"));
        Path apple = input.resolve("apple");
        Fixtures.write(apple.resolve("empty.png"), new byte[0]);
        Fixtures.write(apple.resolve("cut.png"), ImageFixtures.truncatedPng());
        Fixtures.write(apple.resolve("notes.png"), "these are my notes, not a picture\n".getBytes());
        Fixtures.write(input.resolve("banana/bomb.png"), ImageFixtures.pngClaiming(100_000, 100_000));
        Fixtures.write(input.resolve("banana/huge.png"), ImageFixtures.encode(ImageFixtures.noise(100, 100), "png"));
        Fixtures.write(input.resolve("README.txt"), "a file outside any class folder\n".getBytes());
        Files.writeString(input.resolve("cherry/.hidden.png"), "ignored, as Spark ignores dot files");
        Fixtures.image(input.resolve("cherry/red.bmp"), ImageFixtures.solid(8, 8, 0xff0000), "bmp");
        Fixtures.image(input.resolve("cherry/red.gif"), ImageFixtures.solid(8, 8, 0xff0000), "gif");
        Fixtures.image(input.resolve("cherry/with space.png"), ImageFixtures.solid(8, 8, 0xff0000), "png");
        Path output = dir.resolve("out");
        DatasetMetadata metadata = etl(input, output, new ImageShape(8, 8, 1), 0.1, 10_000);

        assertEquals(39, metadata.images());
        Map<String, Row> rows = byId(output);
        assertEquals(39, rows.size());
        for (String id : List.of("cherry/red.bmp", "cherry/red.gif", "cherry/with space.png")) {
            byte[] expected = new byte[64];
            java.util.Arrays.fill(expected, (byte) 76);
            assertArrayEquals(expected, rows.get(id).getAs("pixels"), id);
        }
        assertEquals(6, metadata.rejects().total(), metadata.rejects().toString());
        assertEquals(Map.of("empty_file", 1L, "truncated", 1L, "not_an_image", 1L, "too_large", 1L,
                "file_too_large", 1L, "no_class", 1L), metadata.rejects().byReason());
        assertEquals(Map.of("read", 2L, "decode", 3L, "label", 1L), metadata.rejects().byStage());

        Map<String, List<String>> rejects = new HashMap<>();
        for (Row row : spark.read().parquet(output.resolve("_rejects").toString()).collectAsList()) {
            String path = row.getString(0);
            rejects.put(path.substring(path.lastIndexOf('/') + 1),
                    List.of(row.getString(1), row.getString(2), row.getString(3)));
        }
        assertEquals(List.of("read", "empty_file"), rejects.get("empty.png").subList(0, 2));
        assertEquals(List.of("decode", "truncated"), rejects.get("cut.png").subList(0, 2));
        assertEquals(List.of("decode", "not_an_image"), rejects.get("notes.png").subList(0, 2));
        assertEquals(List.of("decode", "too_large"), rejects.get("bomb.png").subList(0, 2));
        assertTrue(rejects.get("bomb.png").get(2).contains("100000x100000"), rejects.get("bomb.png").get(2));
        assertEquals(List.of("read", "file_too_large"), rejects.get("huge.png").subList(0, 2));
        assertEquals(List.of("label", "no_class"), rejects.get("README.txt").subList(0, 2));
        assertTrue(spark.read().parquet(output.resolve("_rejects").toString()).collectAsList().stream()
                .allMatch(r -> r.getString(0).startsWith("file:" + input)), "rejects name the file by URI");
    }

    @Test
    void idsAndSplitsAreStableAcrossRuns() throws Exception {
        Path input = classFolders(dir.resolve("in"));
        etl(input, dir.resolve("a"), new ImageShape(4, 4, 1), 0.3, ImageLimits.DEFAULT_MAX_FILE_BYTES);
        Fixtures.image(input.resolve("apple/new.png"), ImageFixtures.grey(8, 8, 0), "png");
        etl(input, dir.resolve("b"), new ImageShape(4, 4, 1), 0.3, ImageLimits.DEFAULT_MAX_FILE_BYTES);
        Map<String, Row> first = byId(dir.resolve("a"));
        Map<String, Row> second = byId(dir.resolve("b"));
        assertEquals(first.size() + 1, second.size());
        first.forEach((id, row) -> {
            assertEquals((String) row.getAs("split"), second.get(id).getAs("split"), id);
            assertArrayEquals((byte[]) row.getAs("pixels"), second.get(id).getAs("pixels"), id);
        });
    }
}
