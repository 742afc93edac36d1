package io.vcaps.dataset;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * A Parquet dataset written by {@code vcaps etl} (docs/DATA.md), read and checked the one way every job reads it:
 * its {@code _vcaps.json} where there is one, its rows, the columns a job needs (with the types ETL writes), and on
 * request one aggregate over the rows ({@link #summary()}) or a check against a model's image shape. Every fault
 * fails with a {@link JobFailure} naming the dataset and what is wrong.
 *
 * @param metadata the dataset's {@code _vcaps.json}, or null where it has none
 */
public record ImageDataset(String path, Dataset<Row> rows, DatasetMetadata metadata) {

    /** How {@link Summary#counts} names the rows whose split is null. */
    public static final String NULL_SPLIT = "(null)";

    /**
     * What one aggregate over the rows found: the image shape, the entities and the rows of each split (a null split
     * as {@link #NULL_SPLIT}).
     */
    public record Summary(ImageShape shape, List<String> entities, Map<String, Long> counts) {
    }

    /** Opens the dataset at {@code path} (any Hadoop URI) and checks that it has the columns of an image. */
    public static ImageDataset open(SparkSession spark, String path) {
        DatasetMetadata metadata = readMetadata(spark.sparkContext().hadoopConfiguration(), path);
        if (metadata != null && metadata.images() == 0) {
            throw new JobFailure("dataset " + path + " holds no images (its " + DatasetSchema.METADATA_FILE
                    + " counts none; see " + DatasetSchema.REJECTS_DIR + " for what ETL rejected)");
        }
        Dataset<Row> rows;
        try {
            rows = spark.read().parquet(path);
        } catch (Exception e) {
            if (e instanceof AnalysisException && String.valueOf(e.getMessage()).contains("PATH_NOT_FOUND")) {
                throw new JobFailure("no dataset at " + path, e);
            }
            throw new JobFailure("cannot read the dataset " + path + " as Parquet: " + firstLine(e), e);
        }
        ImageDataset dataset = new ImageDataset(path, rows, metadata);
        dataset.requireColumns(DatasetSchema.ID, DatasetSchema.PIXELS, DatasetSchema.HEIGHT, DatasetSchema.WIDTH,
                DatasetSchema.CHANNELS);
        return dataset;
    }

    private static DatasetMetadata readMetadata(Configuration hadoop, String path) {
        try {
            Path dir = new Path(path);
            if (!dir.getFileSystem(hadoop).exists(dir)) {
                throw new JobFailure("no dataset at " + path);
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

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Fails unless the dataset has these columns, of the types ETL writes them with. */
    public void requireColumns(String... columns) {
        List<String> missing = new ArrayList<>();
        for (String column : columns) {
            if (!has(column)) {
                missing.add(column);
            }
        }
        if (!missing.isEmpty()) {
            throw new JobFailure("dataset " + path + " lacks the column" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", missing) + " (it has " + String.join(", ", rows.columns())
                    + "; see docs/DATA.md for what vcaps etl writes)");
        }
        StructType schema = rows.schema();
        for (String column : columns) {
            DataType actual = schema.apply(column).dataType();
            DataType expected = DatasetSchema.IMAGES.apply(column).dataType();
            boolean matches = actual instanceof ArrayType a && expected instanceof ArrayType e
                    ? a.elementType().equals(e.elementType()) : actual.equals(expected);
            if (!matches) {
                throw new JobFailure("dataset " + path + ": column '" + column + "' is " + actual.simpleString()
                        + ", expected " + expected.simpleString());
            }
        }
    }

    public boolean has(String column) {
        return Arrays.asList(rows.columns()).contains(column);
    }

    /** Whether images may show several entities: the metadata says so, or without it only {@code labels} is there. */
    public boolean multiLabel() {
        return metadata != null ? metadata.multiLabel() : has(DatasetSchema.LABELS) && !has(DatasetSchema.LABEL);
    }

    /** The label column of this dataset's task: {@code labels} for multi-label data, else {@code label}. */
    public String labelColumn() {
        return multiLabel() ? DatasetSchema.LABELS : DatasetSchema.LABEL;
    }

    /**
     * One aggregate over the rows: every row of the dataset's image shape, pixel counts of height x width x channels,
     * labels among the entities. Needs the split and label columns. The entities are the metadata's; a dataset
     * without metadata needs {@code names}, its entities in label order (its label indices mean nothing alone).
     *
     * @param names the entity names given by the user, or null; where the dataset has metadata they must be its own
     */
    public Summary summary(List<String> names) {
        requireColumns(DatasetSchema.SPLIT, labelColumn());
        List<String> entities = entities(names);
        List<Row> groups = rows.groupBy(col(DatasetSchema.SPLIT), col(DatasetSchema.HEIGHT), col(DatasetSchema.WIDTH),
                        col(DatasetSchema.CHANNELS))
                .agg(count(lit(1)), first(col(DatasetSchema.ID)))
                .collectAsList();

        ImageShape shape = metadata != null ? metadata.shape() : commonShape(groups);
        Map<String, Long> counts = new TreeMap<>();
        for (Row g : groups) {
            String split = g.isNullAt(0) ? NULL_SPLIT : g.getString(0);
            long n = g.getLong(4);
            counts.merge(split, n, Long::sum);
            if (g.isNullAt(1) || g.isNullAt(2) || g.isNullAt(3)) {
                continue;
            }
            ImageShape rowShape = new ImageShape(g.getInt(1), g.getInt(2), g.getInt(3));
            if (!rowShape.equals(shape)) {
                throw new JobFailure("dataset " + path + ": " + n + " rows of split '" + split + "' are " + rowShape
                        + " images, not the dataset's " + shape + " (for example id " + g.get(5) + ")");
            }
        }
        requireValidRows(rows, entities.size(), true);
        return new Summary(shape, List.copyOf(entities), counts);
    }

    /**
     * The entity names the dataset's label indices point into: its metadata's, or {@code names} where it has none.
     * Fails where it has none and no names are given, or where the given names are not its metadata's.
     */
    public List<String> entities(List<String> names) {
        if (metadata != null) {
            if (names != null && !names.equals(metadata.entities())) {
                throw new JobFailure("dataset " + path + " names its entities " + metadata.entities() + " in its "
                        + DatasetSchema.METADATA_FILE + ", not the given " + names);
            }
            return metadata.entities();
        }
        if (names == null) {
            throw new JobFailure("dataset " + path + " has no " + DatasetSchema.METADATA_FILE + " to name the entities"
                    + " its labels index; write it with vcaps etl, or give the names in label order with"
                    + " --entity-names A,B,...");
        }
        return names;
    }

    private ImageShape commonShape(List<Row> groups) {
        ImageShape shape = null;
        for (Row g : groups) {
            if (g.isNullAt(1) || g.isNullAt(2) || g.isNullAt(3)) {
                continue;
            }
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

    /**
     * Fails unless some row of {@code selected} (this dataset's, or some of them) is there, every row passes
     * {@link #requireValidRows} (labels not required) and has a model's image shape.
     */
    public void requireShape(Dataset<Row> selected, String split, ImageShape shape) {
        Set<String> found = requireRows(selected, split);
        if (found.size() != 1 || !found.contains(shape.toString())) {
            throw new JobFailure("the model reads " + shape + " images (HxWxC) but the dataset at " + path + " holds "
                    + String.join(", ", found) + " images; convert it with vcaps etl --height --width --channels,"
                    + " or let classify convert them (--convert-images)");
        }
    }

    /**
     * Fails unless some row of {@code selected} is there and every row passes {@link #requireValidRows} (labels not
     * required); returns the image shapes found, HxWxC (at most 10).
     */
    public Set<String> requireRows(Dataset<Row> selected, String split) {
        List<Row> shapes = selected.select(DatasetSchema.HEIGHT, DatasetSchema.WIDTH, DatasetSchema.CHANNELS)
                .distinct().limit(10).collectAsList();
        if (shapes.isEmpty()) {
            throw new JobFailure("dataset " + path + " has no rows"
                    + (split == null ? "" : " in split '" + split + "'"));
        }
        requireValidRows(selected, metadata != null && metadata.entities() != null ? metadata.entities().size() : -1,
                false);
        Set<String> found = new TreeSet<>();
        for (Row r : shapes) {
            found.add(r.getInt(0) + "x" + r.getInt(1) + "x" + r.getInt(2));
        }
        return found;
    }

    /**
     * One aggregate over {@code selected}: fails on the first kind of broken row, naming the column, how many rows
     * and the smallest id among them (docs/DATA.md, "Broken rows"). Rows that can only be null- or range-checked
     * here (a null pixel array, a pixel count other than the row's own height x width x channels, labels outside the
     * entities) would otherwise fail deep in an executor or, worse, train or score silently on the wrong thing.
     *
     * @param entities       the dataset's entity count; negative: labels are not range-checked
     * @param labelsRequired training: every single-label row needs a label in [0, entities), every multi-label row
     *                       its labels; classification takes unlabelled rows (null, or -1 in single-label data)
     */
    public void requireValidRows(Dataset<Row> selected, int entities, boolean labelsRequired) {
        Column id = col(DatasetSchema.ID);
        Column pixels = col(DatasetSchema.PIXELS);
        List<String> problems = new ArrayList<>();
        List<Column> flags = new ArrayList<>();
        List<Column> details = new ArrayList<>();
        problems.add("column id is null");
        flags.add(id.isNull());
        details.add(lit(""));
        for (String column : List.of(DatasetSchema.PIXELS, DatasetSchema.HEIGHT, DatasetSchema.WIDTH,
                DatasetSchema.CHANNELS)) {
            problems.add("column " + column + " is null");
            flags.add(col(column).isNull());
            details.add(lit(""));
        }
        problems.add("column pixels holds a byte count other than height x width x channels");
        flags.add(length(pixels).notEqual(col(DatasetSchema.HEIGHT).multiply(col(DatasetSchema.WIDTH))
                .multiply(col(DatasetSchema.CHANNELS))));
        details.add(concat_ws("", lit(" ("), length(pixels).cast("string"), lit(" bytes for "),
                col(DatasetSchema.HEIGHT).cast("string"), lit("x"), col(DatasetSchema.WIDTH).cast("string"),
                lit("x"), col(DatasetSchema.CHANNELS).cast("string"), lit(")")));
        boolean multi = multiLabel();
        if (!multi && has(DatasetSchema.LABEL)) {
            Column label = col(DatasetSchema.LABEL);
            int lowest = labelsRequired ? 0 : -1;
            problems.add("column label is " + (labelsRequired ? "null or " : "") + "outside [" + lowest + ", "
                    + (entities < 0 ? "..." : entities) + ")");
            Column outside = label.lt(lowest);
            if (entities >= 0) {
                outside = outside.or(label.geq(entities));
            }
            flags.add(labelsRequired ? label.isNull().or(outside) : outside);
            details.add(concat_ws("", lit(" (label "), coalesce(label.cast("string"), lit("null")), lit(")")));
        }
        if (multi && has(DatasetSchema.LABELS) && entities >= 0) {
            Column labels = col(DatasetSchema.LABELS);
            Column outside = exists(labels, l -> l.isNull().or(l.lt(0)).or(l.geq(entities)));
            problems.add("column labels is " + (labelsRequired ? "null or holds" : "holds")
                    + " entities outside [0, " + entities + ")");
            flags.add(labelsRequired ? labels.isNull().or(outside) : outside);
            details.add(concat_ws("", lit(" (labels "), coalesce(labels.cast("string"), lit("null")), lit(")")));
        }
        List<Column> aggregates = new ArrayList<>();
        for (int i = 0; i < flags.size(); i++) {
            Column flag = coalesce(flags.get(i), lit(false));
            aggregates.add(sum(when(flag, lit(1L)).otherwise(lit(0L))));
            aggregates.add(min(when(flag, concat_ws("", id, details.get(i)))));
        }
        Row found = selected.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(new Column[0]))
                .first();
        for (int i = 0; i < flags.size(); i++) {
            long n = found.isNullAt(2 * i) ? 0 : found.getLong(2 * i);
            if (n > 0) {
                String example = found.isNullAt(2 * i + 1) ? "" : found.getString(2 * i + 1);
                throw new JobFailure("dataset " + path + ": " + problems.get(i) + " in " + n + " row"
                        + (n > 1 ? "s" : "") + (i == 0 ? "" : " (for example id " + example + ")"));
            }
        }
    }

    /** The dataset's identity for provenance: its path and when ETL made it. */
    public String id() {
        return path + (metadata != null ? "@" + metadata.created() : "");
    }
}
