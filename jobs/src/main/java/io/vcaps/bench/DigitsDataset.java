package io.vcaps.bench;

import io.vcaps.core.data.SyntheticDigits;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.dataset.DatasetSchema;
import org.apache.hadoop.fs.Path;
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
 * A small dataset in the {@code vcaps etl} layout (docs/DATA.md) made of {@link SyntheticDigits}: 28x28x1, entities
 * "0".."9", ids "train-000000" and "test-000000", with {@code _vcaps.json}. For benchmarks that must not download
 * anything; the same counts and seed give the same rows.
 */
public final class DigitsDataset {

    private DigitsDataset() {
    }

    /** Rows of the images split {@code split}. */
    public static List<Row> rows(String split, int count, long seed) {
        SyntheticDigits.Batch b = SyntheticDigits.generate(count, seed);
        List<Row> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int label = b.labels()[i];
            rows.add(RowFactory.create(String.format("%s-%06d", split, i), split, label, Integer.toString(label),
                    new Integer[]{label}, 28, 28, 1, b.pixels()[i]));
        }
        return rows;
    }

    /** Writes {@code train} and {@code test} digits to the new folder {@code path}. */
    public static void write(SparkSession spark, String path, int train, int test, long seed) throws IOException {
        List<Row> rows = new ArrayList<>(rows(DatasetSchema.TRAIN, train, seed));
        rows.addAll(rows(DatasetSchema.TEST, test, seed + 1));
        spark.createDataFrame(rows, DatasetSchema.IMAGES).repartition(2).write().mode(SaveMode.ErrorIfExists)
                .partitionBy(DatasetSchema.SPLIT).parquet(path);
        List<String> entities = IntStream.range(0, 10).mapToObj(Integer::toString).toList();
        Map<String, DatasetMetadata.SplitCounts> counts = new LinkedHashMap<>();
        counts.put(DatasetSchema.TRAIN, new DatasetMetadata.SplitCounts(train, Map.of()));
        counts.put(DatasetSchema.TEST, new DatasetMetadata.SplitCounts(test, Map.of()));
        new DatasetMetadata(DatasetMetadata.SCHEMA_VERSION, Instant.now().toString(),
                new DatasetMetadata.Source("synthetic-digits", "seed " + seed, null), new ImageShape(28, 28, 1), false,
                entities, new DatasetMetadata.Split("files", null), counts,
                new DatasetMetadata.Rejects(0, Map.of(), Map.of()))
                .write(spark.sparkContext().hadoopConfiguration(), new Path(path));
    }
}
