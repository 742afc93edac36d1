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

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_min;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
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

    /** What one aggregate over the rows found: the image shape, the entities and the rows of each split. */
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
     * labels among the entities. Needs the split and label columns.
     */
    public Summary summary() {
        requireColumns(DatasetSchema.SPLIT, labelColumn());
        boolean multi = multiLabel();
        Column labelMin = multi ? min(array_min(col(DatasetSchema.LABELS))) : min(col(DatasetSchema.LABEL));
        Column labelMax = multi ? max(array_max(col(DatasetSchema.LABELS))) : max(col(DatasetSchema.LABEL));
        Column badPixels = when(length(col(DatasetSchema.PIXELS)).notEqual(col(DatasetSchema.HEIGHT)
                .multiply(col(DatasetSchema.WIDTH)).multiply(col(DatasetSchema.CHANNELS))), lit(1)).otherwise(lit(0));
        List<Row> groups = rows.groupBy(col(DatasetSchema.SPLIT), col(DatasetSchema.HEIGHT), col(DatasetSchema.WIDTH),
                        col(DatasetSchema.CHANNELS))
                .agg(count(lit(1)), labelMin, labelMax, sum(badPixels), first(col(DatasetSchema.ID)))
                .collectAsList();

        ImageShape shape = metadata != null ? metadata.shape() : commonShape(groups);
        List<String> entities = metadata != null ? metadata.entities() : entitiesFromRows(groups);
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
        return new Summary(shape, List.copyOf(entities), counts);
    }

    private ImageShape commonShape(List<Row> groups) {
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
    private List<String> entitiesFromRows(List<Row> groups) {
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
        if (has(DatasetSchema.LABEL_NAME)) {
            for (Row r : rows.groupBy(DatasetSchema.LABEL).agg(first(DatasetSchema.LABEL_NAME)).collectAsList()) {
                if (!r.isNullAt(0) && !r.isNullAt(1) && r.getInt(0) >= 0 && r.getInt(0) < names.length) {
                    names[r.getInt(0)] = r.getString(1);
                }
            }
        }
        return Arrays.asList(names);
    }

    /**
     * Fails unless every row of {@code rows} (this dataset's, or some of them) has a model's image shape, and some
     * row is there: a pass over three small columns.
     */
    public void requireShape(Dataset<Row> selected, String split, ImageShape shape) {
        List<Row> shapes = selected.select(DatasetSchema.HEIGHT, DatasetSchema.WIDTH, DatasetSchema.CHANNELS)
                .distinct().limit(10).collectAsList();
        if (shapes.isEmpty()) {
            throw new JobFailure("dataset " + path + " has no rows"
                    + (split == null ? "" : " in split '" + split + "'"));
        }
        Set<String> found = new TreeSet<>();
        for (Row r : shapes) {
            found.add(r.getInt(0) + "x" + r.getInt(1) + "x" + r.getInt(2));
        }
        if (found.size() != 1 || !found.contains(shape.toString())) {
            throw new JobFailure("the model reads " + shape + " images (HxWxC) but the dataset at " + path + " holds "
                    + String.join(", ", found) + " images; convert it with vcaps etl --height --width --channels");
        }
    }

    /** The dataset's identity for provenance: its path and when ETL made it. */
    public String id() {
        return path + (metadata != null ? "@" + metadata.created() : "");
    }
}
