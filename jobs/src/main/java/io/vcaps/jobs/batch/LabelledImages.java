package io.vcaps.jobs.batch;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.etl.DatasetMetadata;
import io.vcaps.etl.DatasetSchema;
import io.vcaps.spark.JobFailure;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * An image dataset as {@code vcaps classify} reads it (docs/DATA.md): the rows of one split or all, checked against
 * a model before any work: the columns it needs, its image shape, and its entities mapped onto the model's by name.
 * Rows are selected as {@code id, pixels, label, labels}; the label columns are null-filled when the data has none
 * and their indices are the model's.
 */
public record LabelledImages(Dataset<Row> rows, boolean labelled, boolean multiLabel) {

    /** Column order of {@link #rows()}. */
    public static final int ID = 0;
    public static final int PIXELS = 1;
    public static final int LABEL = 2;
    public static final int LABELS = 3;

    /**
     * Reads the dataset at {@code path}, keeping the rows of {@code split} (all rows when null).
     *
     * @param entities the model's entity names, in its order
     */
    public static LabelledImages read(SparkSession spark, String path, String split, ImageShape shape, List<String> entities) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        DatasetMetadata metadata = metadata(conf, path);
        Dataset<Row> data;
        try {
            data = spark.read().parquet(path);
        } catch (Exception e) {
            if (e instanceof AnalysisException && String.valueOf(e.getMessage()).contains("PATH_NOT_FOUND")) {
                throw new JobFailure("no dataset at " + path, e);
            }
            throw new JobFailure("cannot read the dataset at " + path + " as Parquet: " + e.getMessage(), e);
        }
        StructType schema = data.schema();
        require(schema, path, DatasetSchema.ID, DataTypes.StringType);
        require(schema, path, DatasetSchema.PIXELS, DataTypes.BinaryType);
        require(schema, path, DatasetSchema.HEIGHT, DataTypes.IntegerType);
        require(schema, path, DatasetSchema.WIDTH, DataTypes.IntegerType);
        require(schema, path, DatasetSchema.CHANNELS, DataTypes.IntegerType);
        boolean hasLabel = has(schema, DatasetSchema.LABEL) && require(schema, path, DatasetSchema.LABEL, DataTypes.IntegerType);
        boolean hasLabels = has(schema, DatasetSchema.LABELS)
                && require(schema, path, DatasetSchema.LABELS, DataTypes.createArrayType(DataTypes.IntegerType));
        if (split != null) {
            if (!has(schema, DatasetSchema.SPLIT)) {
                throw new JobFailure("--split " + split + ": the dataset at " + path + " has no split column");
            }
            data = data.where(functions.col(DatasetSchema.SPLIT).equalTo(split));
        }
        checkShapes(data, path, split, shape);
        boolean multiLabel = metadata != null ? metadata.multiLabel() : hasLabels && !hasLabel;
        int[] toModel = entityMap(metadata, path, entities);
        // Single-label rows have label >= 0; multi-label rows have -1 and their entities in labels.
        Column label = hasLabel && !multiLabel
                ? functions.when(functions.col(DatasetSchema.LABEL).geq(0), remap(functions.col(DatasetSchema.LABEL), toModel))
                : functions.lit(null).cast(DataTypes.IntegerType);
        Column labels = hasLabels ? functions.transform(functions.col(DatasetSchema.LABELS), l -> remap(l, toModel))
                : hasLabel && !multiLabel ? functions.array(label)
                : functions.lit(null).cast(DataTypes.createArrayType(DataTypes.IntegerType));
        Dataset<Row> rows = data.select(functions.col(DatasetSchema.ID), functions.col(DatasetSchema.PIXELS),
                label.as(DatasetSchema.LABEL), labels.as(DatasetSchema.LABELS));
        return new LabelledImages(rows, hasLabel || hasLabels, multiLabel);
    }

    private static DatasetMetadata metadata(Configuration conf, String path) {
        try {
            Path file = new Path(new Path(path), DatasetSchema.METADATA_FILE);
            FileSystem fs = file.getFileSystem(conf);
            if (!fs.exists(file)) {
                return null;
            }
            return DatasetMetadata.read(conf, path);
        } catch (FileNotFoundException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            throw new JobFailure("cannot read " + DatasetSchema.METADATA_FILE + " of the dataset at " + path + ": " + e.getMessage(), e);
        }
    }

    private static boolean has(StructType schema, String column) {
        return Arrays.asList(schema.fieldNames()).contains(column);
    }

    private static boolean require(StructType schema, String path, String column, DataType type) {
        if (!has(schema, column)) {
            throw new JobFailure("the dataset at " + path + " has no column '" + column + "' (columns: "
                    + String.join(", ", schema.fieldNames()) + "; see docs/DATA.md)");
        }
        StructField field = schema.apply(column);
        DataType actual = field.dataType();
        boolean matches = actual instanceof ArrayType a && type instanceof ArrayType t
                ? a.elementType().equals(t.elementType()) : actual.equals(type);
        if (!matches) {
            throw new JobFailure("column '" + column + "' of the dataset at " + path + " is " + actual.simpleString()
                    + ", expected " + type.simpleString());
        }
        return true;
    }

    /** Fails unless every row has the model's image shape (a pass over three small columns), and some row is there. */
    private static void checkShapes(Dataset<Row> data, String path, String split, ImageShape shape) {
        List<Row> shapes = data.select(DatasetSchema.HEIGHT, DatasetSchema.WIDTH, DatasetSchema.CHANNELS)
                .distinct().limit(10).collectAsList();
        if (shapes.isEmpty()) {
            throw new JobFailure("the dataset at " + path + " has no rows" + (split == null ? "" : " in split '" + split + "'"));
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

    /** Dataset entity index -> model entity index, by name; identity when the dataset has no metadata. */
    private static int[] entityMap(DatasetMetadata metadata, String path, List<String> entities) {
        if (metadata == null || metadata.entities() == null) {
            return null;
        }
        List<String> unknown = new ArrayList<>();
        int[] map = new int[metadata.entities().size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = entities.indexOf(metadata.entities().get(i));
            if (map[i] < 0) {
                unknown.add(metadata.entities().get(i));
            }
        }
        if (!unknown.isEmpty()) {
            throw new JobFailure("the dataset at " + path + " has entities the model does not know: " + unknown
                    + " (the model's entities: " + entities + ")");
        }
        return map;
    }

    private static Column remap(Column index, int[] map) {
        if (map == null || isIdentity(map)) {
            return index;
        }
        Column out = functions.lit(-1);
        for (int i = map.length - 1; i >= 0; i--) {
            out = functions.when(index.equalTo(i), map[i]).otherwise(out);
        }
        return out;
    }

    private static boolean isIdentity(int[] map) {
        for (int i = 0; i < map.length; i++) {
            if (map[i] != i) {
                return false;
            }
        }
        return true;
    }
}
