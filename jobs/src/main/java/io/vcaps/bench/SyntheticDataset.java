package io.vcaps.bench;

import io.vcaps.core.data.SyntheticDigits;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.dataset.DatasetSchema;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A vcaps etl dataset (docs/DATA.md) of {@link SyntheticDigits}, for benchmarks and tests that must not download
 * anything: 28x28x1 digits, entities "0".."9", a train and a test split, {@code _vcaps.json} beside the rows. The
 * images are drawn on the executors in blocks of {@link #BLOCK}; block b of a split is
 * {@code SyntheticDigits.generate(BLOCK, seedOf(split seed, b))}, so the same arguments give the same dataset.
 */
public final class SyntheticDataset {
    /** Images drawn per block. */
    public static final int BLOCK = 500;
    private static final List<String> ENTITIES = IntStream.range(0, 10).mapToObj(Integer::toString).toList();

    private SyntheticDataset() {
    }

    /** The entity names, "0".."9". */
    public static List<String> entities() {
        return ENTITIES;
    }

    /** Writes {@code train} and {@code test} images to the new folder {@code path}. */
    public static void write(SparkSession spark, String path, int train, int test, long seed, int partitions)
            throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<long[]> blocks = new ArrayList<>();
        addBlocks(blocks, 0, train, seed);
        addBlocks(blocks, 1, test, seed + 1_000_003L);
        JavaRDD<Row> rows = jsc.parallelize(blocks, Math.max(1, Math.min(partitions, blocks.size())))
                .flatMap(b -> block(b).iterator());
        spark.createDataFrame(rows, DatasetSchema.IMAGES).write().mode(SaveMode.ErrorIfExists)
                .partitionBy(DatasetSchema.SPLIT).parquet(path);
        Map<String, DatasetMetadata.SplitCounts> counts = new LinkedHashMap<>();
        counts.put(DatasetSchema.TRAIN, counts(train));
        counts.put(DatasetSchema.TEST, counts(test));
        new DatasetMetadata(DatasetMetadata.SCHEMA_VERSION, Instant.now().toString(),
                new DatasetMetadata.Source("synthetic-digits", "seed " + seed, null), new ImageShape(28, 28, 1), false,
                ENTITIES, new DatasetMetadata.Split("files", null), counts,
                new DatasetMetadata.Rejects(0, Map.of(), Map.of()))
                .write(spark.sparkContext().hadoopConfiguration(), new Path(path));
    }

    /** The images of split {@code test ? test : train} as written: pixels and labels, in id order. */
    public static SyntheticDigits.Batch images(int count, long seed, boolean test) {
        long splitSeed = test ? seed + 1_000_003L : seed;
        byte[][] pixels = new byte[count][];
        int[] labels = new int[count];
        for (int start = 0; start < count; start += BLOCK) {
            int n = Math.min(BLOCK, count - start);
            SyntheticDigits.Batch b = SyntheticDigits.generate(n, seedOf(splitSeed, start / BLOCK));
            System.arraycopy(b.pixels(), 0, pixels, start, n);
            System.arraycopy(b.labels(), 0, labels, start, n);
        }
        return new SyntheticDigits.Batch(pixels, labels);
    }

    private static void addBlocks(List<long[]> blocks, int split, int count, long splitSeed) {
        for (int start = 0; start < count; start += BLOCK) {
            blocks.add(new long[] {split, start, Math.min(BLOCK, count - start), splitSeed});
        }
    }

    private static List<Row> block(long[] b) {
        String split = b[0] == 0 ? DatasetSchema.TRAIN : DatasetSchema.TEST;
        int start = (int) b[1];
        SyntheticDigits.Batch digits = SyntheticDigits.generate((int) b[2], seedOf(b[3], start / BLOCK));
        List<Row> rows = new ArrayList<>(digits.size());
        for (int i = 0; i < digits.size(); i++) {
            int label = digits.labels()[i];
            rows.add(RowFactory.create(String.format("%s-%07d", split, start + i), split, label, ENTITIES.get(label),
                    new Integer[] {label}, 28, 28, 1, digits.pixels()[i]));
        }
        return rows;
    }

    private static long seedOf(long splitSeed, int block) {
        return splitSeed * 31 + block;
    }

    private static DatasetMetadata.SplitCounts counts(int total) {
        Map<String, Long> perEntity = new LinkedHashMap<>();
        for (int k = 0; k < 10; k++) {
            perEntity.put(ENTITIES.get(k), (long) (total / 10 + (k < total % 10 ? 1 : 0)));
        }
        return new DatasetMetadata.SplitCounts(total, perEntity);
    }
}
