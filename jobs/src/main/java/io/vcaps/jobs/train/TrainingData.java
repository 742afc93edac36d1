package io.vcaps.jobs.train;

import io.vcaps.core.vcn.EntityNames;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.dataset.ImageDataset;
import io.vcaps.jobs.averaging.Seeds;
import io.vcaps.spark.JobFailure;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * A dataset as training reads it: its entities, image shape and counts ({@link ImageDataset#summary()}), the
 * train split sharded over workers and the held-out test split. Opening it checks everything before any training:
 * what {@link ImageDataset} checks, and that the train and test splits have rows and the dataset names at least two
 * entities.
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

    /** Opens and checks the dataset at {@code path} (any Hadoop URI) for training; it must have metadata. */
    public static TrainingData open(SparkSession spark, String path) {
        return open(spark, path, null);
    }

    /**
     * Opens and checks the dataset at {@code path} (any Hadoop URI) for training.
     *
     * @param names the dataset's entity names in label order where it has no {@code _vcaps.json}; null: it must have
     *              one
     */
    public static TrainingData open(SparkSession spark, String path, List<String> names) {
        ImageDataset dataset = ImageDataset.open(spark, path);
        ImageDataset.Summary summary = dataset.summary(names);
        Map<String, Long> counts = summary.counts();
        for (String split : List.of(DatasetSchema.TRAIN, DatasetSchema.TEST)) {
            if (counts.getOrDefault(split, 0L) == 0) {
                throw new JobFailure("dataset " + path + " has no rows in split '" + split + "'"
                        + (split.equals(DatasetSchema.TEST) ? " (training evaluates on it)" : "")
                        + "; it has " + (counts.isEmpty() ? "no rows at all" : counts));
            }
        }
        List<String> entities = summary.entities();
        if (entities.size() < 2) {
            throw new JobFailure("dataset " + path + " names " + entities.size() + " entities " + entities
                    + "; a model needs at least two");
        }
        requireBundleNames(entities, "dataset " + path);
        return new TrainingData(path, dataset.rows(), entities, summary.shape(), dataset.multiLabel(), counts,
                dataset.id());
    }

    /** Refuses, before any round, entity names that no bundle could hold: the run would end unreadable. */
    private static void requireBundleNames(List<String> entities, String what) {
        String problem = EntityNames.problem(entities, "entity");
        if (problem != null) {
            throw new JobFailure(what + ": " + problem + "; no model bundle can hold that name: rename it in the"
                    + " source and run vcaps etl again (docs/DATA.md, \"Entity names\")");
        }
    }

    /**
     * Rows already in memory or from any source, for training: columns {@code id}, {@code split} (train, test),
     * {@code label} (single-label) or {@code labels}, and {@code pixels} of {@code shape}, labels being indices into
     * {@code entities}. The caller has checked them; the splits are checked here as in {@link #open}.
     */
    public static TrainingData of(Dataset<Row> rows, List<String> entities, ImageShape shape, boolean multiLabel,
            String id) {
        requireBundleNames(entities, id);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Row r : rows.groupBy(DatasetSchema.SPLIT).count().collectAsList()) {
            counts.put(r.isNullAt(0) ? ImageDataset.NULL_SPLIT : r.getString(0), r.getLong(1));
        }
        for (String split : List.of(DatasetSchema.TRAIN, DatasetSchema.TEST)) {
            if (counts.getOrDefault(split, 0L) == 0) {
                throw new JobFailure(id + " has no rows in split '" + split + "'; it has " + counts);
            }
        }
        return new TrainingData(id, rows, entities, shape, multiLabel, counts, id);
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

    /**
     * Rows of every split other than train and test (a null split as {@link ImageDataset#NULL_SPLIT}): neither
     * trained on nor evaluated.
     */
    public Map<String, Long> otherSplits() {
        Map<String, Long> other = new LinkedHashMap<>(counts);
        other.keySet().removeAll(List.of(DatasetSchema.TRAIN, DatasetSchema.TEST));
        return other;
    }

    /** Rows per split. */
    public Map<String, Long> counts() {
        return new LinkedHashMap<>(counts);
    }
}
