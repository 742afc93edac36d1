package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.images.ImageLimits;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.OutputMode;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IDX source end to end on real IDX files, plain and gzipped, in a local[2] Spark. */
class IdxEtlTest {
    private static final int TRAIN = 50;
    private static final int TEST = 20;
    private static final int SIDE = 28;
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = TestSpark.session();
    }

    /** Writes train and t10k IDX files; test records are numbered after the train ones in the pixel pattern. */
    private Path mnistLike(String suffix, int trainImagesWritten) throws Exception {
        Path input = dir.resolve("idx" + suffix.replace(".", "-"));
        byte[] train = Fixtures.idxImages(TRAIN, SIDE);
        Fixtures.idx(input.resolve("train-images-idx3-ubyte" + suffix), new int[] {TRAIN, SIDE, SIDE},
                Arrays.copyOf(train, trainImagesWritten * SIDE * SIDE + 100));
        Fixtures.idx(input.resolve("train-labels-idx1-ubyte" + suffix), new int[] {TRAIN}, Fixtures.idxLabels(TRAIN));
        byte[] all = Fixtures.idxImages(TRAIN + TEST, SIDE);
        Fixtures.idx(input.resolve("t10k-images-idx3-ubyte" + suffix), new int[] {TEST, SIDE, SIDE},
                Arrays.copyOfRange(all, TRAIN * SIDE * SIDE, all.length));
        byte[] labels = Fixtures.idxLabels(TRAIN + TEST);
        Fixtures.idx(input.resolve("t10k-labels-idx1-ubyte" + suffix), new int[] {TEST},
                Arrays.copyOfRange(labels, TRAIN, labels.length));
        return input;
    }

    private DatasetMetadata etl(Path input, Path output, ImageShape shape, int partitions) throws Exception {
        return EtlPipeline.run(spark, new EtlRequest(SourceKind.IDX, input.toString(), null, output.toString(), shape,
                0.1, OutputMode.ERROR, ImageLimits.DEFAULT_MAX_PIXELS, ImageLimits.DEFAULT_MAX_FILE_BYTES, partitions));
    }

    private static void assertMnistLikeRows(Path output) {
        Dataset<Row> rows = spark.read().parquet(output.toString());
        assertEquals(TRAIN + TEST, rows.count());
        assertEquals(TRAIN, rows.filter("split = 'train'").count());
        assertEquals(TEST, rows.filter("split = 'test'").count());
        for (Row row : rows.filter("id in ('train-000000', 'train-000037', 'test-000000', "
                + "'test-000019')").collectAsList()) {
            String id = row.getAs("id");
            boolean test = id.startsWith("test");
            int index = Integer.parseInt(id.substring(id.indexOf('-') + 1)) + (test ? TRAIN : 0);
            assertEquals(test ? "test" : "train", row.getAs("split"));
            assertEquals(Fixtures.idxLabel(index), (int) row.getAs("label"), id);
            assertEquals(Integer.toString(Fixtures.idxLabel(index)), row.getAs("label_name"));
            assertEquals(List.of(Fixtures.idxLabel(index)), row.getList(row.fieldIndex("labels")));
            byte[] pixels = row.getAs("pixels");
            assertEquals(SIDE * SIDE, pixels.length);
            for (int p = 0; p < pixels.length; p++) {
                assertEquals(Fixtures.idxPixel(index, p), pixels[p] & 0xff, id + " pixel " + p);
            }
        }
        assertEquals(4, rows.filter("id in ('train-000000', 'train-000037', 'test-000000', 'test-000019')").count());
        assertEquals(TRAIN + TEST, rows.select("id").distinct().count());
    }

    @Test
    void mnistFilesBecomeOneRowPerImageWithTheirOwnSplit() throws Exception {
        Path output = dir.resolve("out");
        DatasetMetadata metadata = etl(mnistLike("", TRAIN), output, new ImageShape(28, 28, 1), 3);
        assertMnistLikeRows(output);

        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), metadata.entities());
        assertFalse(metadata.multiLabel());
        assertEquals(TRAIN, metadata.counts().get("train").total());
        assertEquals(TEST, metadata.counts().get("test").total());
        // Labels 3i mod 10 cycle through all ten digits: 50 train images hold five of each.
        metadata.counts().get("train").perEntity().values().forEach(n -> assertEquals(5L, n));
        assertEquals(2L, metadata.counts().get("test").perEntity().get("7"));
        assertEquals(0, metadata.rejects().total());
        assertEquals(metadata, DatasetMetadata.read(spark.sparkContext().hadoopConfiguration(), output.toString()));
        assertEquals(0, spark.read().parquet(output.resolve("_rejects").toString()).count());
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().startsWith(".out")),
                "the staging folder is gone");
    }

    @Test
    void theParquetReadsBackWithTheDocumentedSchema() throws Exception {
        Path output = dir.resolve("out");
        etl(mnistLike("", TRAIN), output, new ImageShape(28, 28, 1), 0);
        StructType expected = new StructType()
                .add("id", DataTypes.StringType)
                .add("label", DataTypes.IntegerType)
                .add("label_name", DataTypes.StringType)
                .add("labels", DataTypes.createArrayType(DataTypes.IntegerType, true))
                .add("height", DataTypes.IntegerType)
                .add("width", DataTypes.IntegerType)
                .add("channels", DataTypes.IntegerType)
                .add("pixels", DataTypes.BinaryType)
                .add("split", DataTypes.StringType);
        assertEquals(expected, spark.read().parquet(output.toString()).schema());
        assertEquals(new StructType().add("path", DataTypes.StringType).add("stage", DataTypes.StringType)
                .add("reason", DataTypes.StringType).add("detail", DataTypes.StringType),
                spark.read().parquet(output.resolve("_rejects").toString()).schema());
        assertTrue(Files.isDirectory(output.resolve("split=train")) && Files.isDirectory(output.resolve("split=test")));
        String json = Files.readString(output.resolve("_vcaps.json"));
        for (String field : List.of("\"schema_version\" : 1", "\"entities\"", "\"counts\"", "\"per_entity\"",
                "\"rejects\"",
                "\"by_reason\"", "\"shape\"", "\"height\" : 28", "\"channels\" : 1", "\"source\"", "\"kind\" : \"idx\"",
                "\"created\"", "\"multi_label\" : false")) {
            assertTrue(json.contains(field), field + " in " + json);
        }
    }

    @Test
    void gzippedFilesGiveTheSameRows() throws Exception {
        Path output = dir.resolve("out");
        etl(mnistLike(".gz", TRAIN), output, new ImageShape(28, 28, 1), 4);
        assertMnistLikeRows(output);
    }

    @Test
    void recordsMissingFromATruncatedFileAreRejectedOneByOne() throws Exception {
        for (String suffix : List.of("", ".gz")) {
            Path output = dir.resolve("out" + suffix);
            // The header says 50 images; only 41 whole ones (plus 100 bytes) are there.
            DatasetMetadata metadata = etl(mnistLike(suffix, 41), output, new ImageShape(28, 28, 1), 4);
            assertEquals(41, metadata.counts().get("train").total(), suffix);
            assertEquals(TEST, metadata.counts().get("test").total());
            assertEquals(9, metadata.rejects().total());
            assertEquals(Map.of("truncated", 9L), metadata.rejects().byReason());
            List<Row> rejects = spark.read().parquet(output.resolve("_rejects").toString()).orderBy("path")
                    .collectAsList();
            assertEquals(9, rejects.size());
            assertTrue(rejects.get(0).getString(0).endsWith("train-images-idx3-ubyte" + suffix + "#41"),
                    rejects.get(0).getString(0));
            assertEquals("read", rejects.get(0).getString(1));
            assertEquals("truncated", rejects.get(0).getString(2));
            assertEquals(41, spark.read().parquet(output.toString()).filter("split = 'train'").count());
        }
    }

    @Test
    void imagesAreConvertedToTheTargetShape() throws Exception {
        Path input = dir.resolve("flat");
        byte[] pixels = new byte[3 * 4 * 4];
        Arrays.fill(pixels, (byte) 90);
        Fixtures.idx(input.resolve("train-images-idx3-ubyte"), new int[] {3, 4, 4}, pixels);
        Fixtures.idx(input.resolve("train-labels-idx1-ubyte"), new int[] {3}, new byte[] {0, 1, 2});
        Path output = dir.resolve("out");
        DatasetMetadata metadata = etl(input, output, new ImageShape(7, 5, 3), 0);
        assertEquals(new ImageShape(7, 5, 3), metadata.shape());
        assertEquals(0, metadata.counts().get("test").total());
        Row row = spark.read().parquet(output.toString()).filter("id = 'train-000001'").first();
        assertEquals(7, (int) row.getAs("height"));
        assertEquals(5, (int) row.getAs("width"));
        assertEquals(3, (int) row.getAs("channels"));
        byte[] expected = new byte[7 * 5 * 3];
        Arrays.fill(expected, (byte) 90);
        assertArrayEquals(expected, row.getAs("pixels"));
    }

    @Test
    void badInputsAreClearErrors() throws Exception {
        JobFailure missing = assertThrows(JobFailure.class, () ->
                etl(dir.resolve("nowhere"), dir.resolve("o1"), new ImageShape(28, 28, 1), 0));
        assertTrue(missing.getMessage().startsWith("input not found: ") && missing.getMessage().contains("nowhere"),
                missing.getMessage());

        Path badMagic = dir.resolve("bad-magic");
        Fixtures.write(badMagic.resolve("train-images-idx3-ubyte"), "<html>not found</html>".getBytes());
        Fixtures.idx(badMagic.resolve("train-labels-idx1-ubyte"), new int[] {1}, new byte[] {1});
        JobFailure header = assertThrows(JobFailure.class, () ->
                etl(badMagic, dir.resolve("o2"), new ImageShape(28, 28, 1), 0));
        assertTrue(header.getMessage().startsWith("unreadable IDX header in ")
                && header.getMessage().contains("train-images-idx3-ubyte"),
                header.getMessage());

        Path disagree = dir.resolve("disagree");
        Fixtures.idx(disagree.resolve("train-images-idx3-ubyte"), new int[] {2, 2, 2}, new byte[8]);
        Fixtures.idx(disagree.resolve("train-labels-idx1-ubyte"), new int[] {3}, new byte[3]);
        assertTrue(assertThrows(JobFailure.class, () -> etl(disagree, dir.resolve("o3"), new ImageShape(28, 28, 1), 0))
                .getMessage().contains("holds 2 images but"));

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertTrue(assertThrows(JobFailure.class, () -> etl(empty, dir.resolve("o4"), new ImageShape(28, 28, 1), 0))
                .getMessage().startsWith("no IDX files in "));
        assertFalse(Files.exists(dir.resolve("o2")) || Files.exists(dir.resolve("o3"))
                || Files.exists(dir.resolve("o4")));
    }

    @Test
    void anExistingOutputIsKeptUnlessOverwriting() throws Exception {
        Path input = mnistLike("", TRAIN);
        Path output = Files.createDirectories(dir.resolve("out"));
        Files.writeString(output.resolve("keep.txt"), "mine");
        JobFailure exists = assertThrows(JobFailure.class, () -> etl(input, output, new ImageShape(28, 28, 1), 0));
        assertTrue(exists.getMessage().contains("output already exists")
                && exists.getMessage().contains("--mode overwrite"));
        assertTrue(Files.exists(output.resolve("keep.txt")));

        EtlPipeline.run(spark,
                new EtlRequest(SourceKind.IDX, input.toString(), null, output.toString(), new ImageShape(28, 28, 1),
                0.1, OutputMode.OVERWRITE, ImageLimits.DEFAULT_MAX_PIXELS, ImageLimits.DEFAULT_MAX_FILE_BYTES, 0));
        assertFalse(Files.exists(output.resolve("keep.txt")));
        assertMnistLikeRows(output);
    }
}
