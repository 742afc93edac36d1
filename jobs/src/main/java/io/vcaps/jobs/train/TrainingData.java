package io.vcaps.jobs.train;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.etl.DatasetMetadata;
import io.vcaps.etl.DatasetSchema;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_min;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * A Parquet dataset written by {@code vcaps etl} (docs/DATA.md), checked and read for training: its entities,
 * image shape and counts (from {@code _vcaps.json} where there is one, else from the rows), the train split
 * sharded over workers and the held-out test split. Opening it runs one aggregate over the rows, so that a missing
 * column, mixed or inconsistent shapes, labels out of range and empty splits fail before any training, with a
 * message naming the dataset and what is wrong.
 */
public final class TrainingData {

    private final String path;
    private final Dataset<Row> rows;
    private final List<String> entities;
    private final ImageShape shape;
    private final boolean multiLabel;
    private final Map<String, Long> counts;
    private final String id;

    private TrainingData(String path, Dataset<Row> rows, List<String> entities, ImageShape shape, boolean multiLabel,
            Map<String, Long> counts, String id) {
        this.path = path;
        this.rows = rows;
        this.entities = entities;
        this.shape = shape;
        this.multiLabel = multiLabel;
        this.counts = counts;
        this.id = id;
    }

    /** Opens and checks the dataset at {@code path} (any Hadoop URI). */
    public static TrainingData open(SparkSession spark, String path) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        DatasetMetadata metadata = readMetadata(hadoop, path);
        if (metadata != null && metadata.images() == 0) {
            throw new JobFailure("dataset " + path + " holds no images (its " + DatasetSchema.METADATA_FILE
                    + " counts none; see " + DatasetSchema.REJECTS_DIR + " for what ETL rejected)");
        }
        Dataset<Row> rows;
        try {
            rows = spark.read().parquet(path);
        } catch (Exception e) {
            throw new JobFailure("cannot read the dataset " + path + " as Parquet: " + firstLine(e), e);
        }
        boolean multiLabel = metadata != null && metadata.multiLabel();
        List<String> columns = Arrays.asList(rows.columns());
        List<String> required = new ArrayList<>(List.of(DatasetSchema.ID, DatasetSchema.SPLIT, DatasetSchema.HEIGHT,
                DatasetSchema.WIDTH, DatasetSchema.CHANNELS, DatasetSchema.PIXELS,
                multiLabel ? DatasetSchema.LABELS : DatasetSchema.LABEL));
        required.removeAll(columns);
        if (!required.isEmpty()) {
            throw new JobFailure("dataset " + path + " lacks the column" + (required.size() > 1 ? "s " : " ")
                    + String.join(", ", required) + " (it has " + String.join(", ", columns)
                    + "; see docs/DATA.md for what vcaps etl writes)");
        }
        Column labelMin = multiLabel ? min(array_min(col(DatasetSchema.LABELS))) : min(col(DatasetSchema.LABEL));
        Column labelMax = multiLabel ? max(array_max(col(DatasetSchema.LABELS))) : max(col(DatasetSchema.LABEL));
        Column badPixels = when(length(col(DatasetSchema.PIXELS)).notEqual(col(DatasetSchema.HEIGHT)
                .multiply(col(DatasetSchema.WIDTH)).multiply(col(DatasetSchema.CHANNELS))), lit(1)).otherwise(lit(0));
        List<Row> groups = rows.groupBy(col(DatasetSchema.SPLIT), col(DatasetSchema.HEIGHT), col(DatasetSchema.WIDTH),
                        col(DatasetSchema.CHANNELS))
                .agg(org.apache.spark.sql.functions.count(lit(1)), labelMin, labelMax, sum(badPixels), first(col(DatasetSchema.ID)))
                .collectAsList();

        ImageShape shape = metadata != null ? new ImageShape(metadata.shape().height(), metadata.shape().width(),
                metadata.shape().channels()) : commonShape(path, groups);
        List<String> entities = metadata != null ? metadata.entities() : entitiesFromRows(rows, groups);
        Map<String, Long> counts = new TreeMap<>();
        for (Row g : groups) {
            String split = g.getString(0);
            long n = g.getLong(4);
            counts.merge(split, n, Long::sum);
            ImageShape rowShape = new ImageShape(g.getInt(1), g.getInt(2), g.getInt(3));
            if (!rowShape.equals(shape)) {
                throw new JobFailure("dataset " + path + ": " + n + " rows of split '" + split + "' are " + rowShape
                        + " images, not the dataset's " + shape + " (for example id " + g.get(8) + ")");
            }
            if (g.getLong(7) > 0) {
                throw new JobFailure("dataset " + path + ": " + g.getLong(7) + " rows of split '" + split
                        + "' hold a pixel count other than height x width x channels (" + shape.pixels() + ")");
            }
            if (!g.isNullAt(5) && (g.getInt(5) < 0 || g.getInt(6) >= entities.size())) {
                throw new JobFailure("dataset " + path + ": split '" + split + "' has labels from " + g.getInt(5)
                        + " to " + g.getInt(6) + ", but the dataset names " + entities.size() + " entities "
                        + entities);
            }
        }
        for (String split : List.of(DatasetSchema.TRAIN, DatasetSchema.TEST)) {
            if (counts.getOrDefault(split, 0L) == 0) {
                throw new JobFailure("dataset " + path + " has no rows in split '" + split + "'"
                        + (split.equals(DatasetSchema.TEST) ? " (training evaluates on it)" : "")
                        + "; it has " + (counts.isEmpty() ? "no rows at all" : counts));
            }
        }
        if (entities.size() < 2) {
            throw new JobFailure("dataset " + path + " names " + entities.size() + " entities " + entities
                    + "; a model needs at least two");
        }
        String id = path + (metadata != null ? "@" + metadata.created() : "");
        return new TrainingData(path, rows, List.copyOf(entities), shape, multiLabel, counts, id);
    }

    private static DatasetMetadata readMetadata(Configuration hadoop, String path) {
        try {
            Path dir = new Path(path);
            if (!dir.getFileSystem(hadoop).exists(dir)) {
                throw new JobFailure("dataset " + path + " does not exist");
            }
            return DatasetMetadata.read(hadoop, path);
        } catch (FileNotFoundException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            if (e instanceof JobFailure f) {
                throw f;
            }
            throw new JobFailure("dataset " + path + ": cannot read " + DatasetSchema.METADATA_FILE + ": "
                    + firstLine(e), e);
        }
    }

    private static ImageShape commonShape(String path, List<Row> groups) {
        ImageShape shape = null;
        for (Row g : groups) {
            ImageShape s = new ImageShape(g.getInt(1), g.getInt(2), g.getInt(3));
            if (shape != null && !shape.equals(s)) {
                throw new JobFailure("dataset " + path + " mixes image shapes " + shape + " and " + s
                        + " and has no " + DatasetSchema.METADATA_FILE + " to say which is meant");
            }
            shape = s;
        }
        if (shape == null) {
            throw new JobFailure("dataset " + path + " has no rows");
        }
        return shape;
    }

    /** Without metadata: entities 0..max label, named by label_name where the rows have one. */
    private static List<String> entitiesFromRows(Dataset<Row> rows, List<Row> groups) {
        int maxLabel = -1;
        for (Row g : groups) {
            if (!g.isNullAt(6)) {
                maxLabel = Math.max(maxLabel, g.getInt(6));
            }
        }
        String[] names = new String[maxLabel + 1];
        for (int i = 0; i < names.length; i++) {
            names[i] = Integer.toString(i);
        }
        if (Arrays.asList(rows.columns()).contains(DatasetSchema.LABEL_NAME)) {
            for (Row r : rows.groupBy(DatasetSchema.LABEL).agg(first(DatasetSchema.LABEL_NAME)).collectAsList()) {
                if (!r.isNullAt(0) && !r.isNullAt(1) && r.getInt(0) >= 0 && r.getInt(0) < names.length) {
                    names[r.getInt(0)] = r.getString(1);
                }
            }
        }
        return Arrays.asList(names);
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The examples of {@code split}, in the order Spark reads them. */
    public JavaRDD<Example> examples(String split) {
        boolean multi = multiLabel;
        String label = multi ? DatasetSchema.LABELS : DatasetSchema.LABEL;
        return rows.filter(col(DatasetSchema.SPLIT).equalTo(split))
                .select(col(DatasetSchema.ID), col(label), col(DatasetSchema.PIXELS))
                .javaRDD()
                .map(r -> new Example(r.getString(0), multi ? present(r.getList(1)) : new int[]{r.getInt(1)},
                        (byte[]) r.get(2)));
    }

    private static int[] present(List<Integer> labels) {
        return labels.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The train split as {@code workers} shards, partition i being worker i's: an example goes to the worker its id
     * hashes to, so shards do not depend on file layout or executors. Persisted; unpersist when done.
     */
    public JavaRDD<Example> shards(int workers) {
        return examples(DatasetSchema.TRAIN)
                .mapToPair(e -> new Tuple2<>((int) Math.floorMod(Seeds.of(e.id()), (long) workers), e))
                .partitionBy(new HashPartitioner(workers))
                .values()
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    /** About {@code limit} held-out examples chosen by id hash (all of them when limit is 0 or more than there are). */
    public JavaRDD<Example> heldOut(long limit) {
        JavaRDD<Example> all = examples(DatasetSchema.TEST);
        long total = count(DatasetSchema.TEST);
        if (limit <= 0 || limit >= total) {
            return all;
        }
        return all.filter(e -> Math.floorMod(Seeds.of(e.id()), total) < limit);
    }

    public String path() {
        return path;
    }

    /** The dataset's identity for provenance: its path and when ETL made it. */
    public String id() {
        return id;
    }

    public List<String> entities() {
        return entities;
    }

    public ImageShape shape() {
        return shape;
    }

    public boolean multiLabel() {
        return multiLabel;
    }

    public long count(String split) {
        return counts.getOrDefault(split, 0L);
    }

    /** Rows per split. */
    public Map<String, Long> counts() {
        return new LinkedHashMap<>(counts);
    }
}
