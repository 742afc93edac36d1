package io.vcaps.dataset;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.spark.JobFailure;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.List;

/**
 * An image dataset as the batch jobs and the report read it (docs/DATA.md): the rows of one split or all, checked
 * against a model before any work: the columns it needs, its image shape, and its entities mapped onto the model's
 * by name.
 * Rows are selected as {@code id, pixels, label, labels} (and {@code height, width, channels} when images of other
 * shapes are taken), then {@code split}; the label columns are null-filled when the data has none and their
 * indices are the model's.
 *
 * @param foreignEntities the dataset's entities that are not the model's (read with {@code foreign} allowed; their
 *     rows have null labels); empty otherwise
 * @param otherShapes     the image shapes (HxWxC) of the rows that are not the model's (read with {@code
 *     otherShapes} allowed, for conversion); empty otherwise
 */
public record LabelledImages(Dataset<Row> rows, boolean labelled, boolean multiLabel, List<String> foreignEntities,
        List<String> otherShapes) {

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
    public static LabelledImages read(SparkSession spark, String path, String split, ImageShape shape,
            List<String> entities) {
        return read(spark, path, split, shape, entities, false);
    }

    /**
     * As {@link #read(SparkSession, String, String, ImageShape, List)}; with {@code foreign}, entities the model does
     * not know are no failure: a row labelled with any of them has null labels (it cannot be evaluated).
     */
    public static LabelledImages read(SparkSession spark, String path, String split, ImageShape shape,
            List<String> entities, boolean foreign) {
        return read(spark, path, split, shape, entities, foreign, false);
    }

    /**
     * As {@link #read(SparkSession, String, String, ImageShape, List, boolean)}; with {@code otherShapes}, images of
     * another shape than {@code shape} are no failure: the rows keep their shape columns for conversion.
     */
    public static LabelledImages read(SparkSession spark, String path, String split, ImageShape shape,
            List<String> entities, boolean foreign, boolean otherShapes) {
        return read(spark, path, split, shape, entities, foreign, otherShapes, null);
    }

    /**
     * As {@link #read(SparkSession, String, String, ImageShape, List, boolean, boolean)}; {@code names} are the
     * dataset's entities in label order where it has no {@code _vcaps.json} (null: such a dataset with labels is
     * refused, its label indices would be taken for the model's). The rows end with the {@code split} column (null
     * where the dataset has none).
     */
    public static LabelledImages read(SparkSession spark, String path, String split, ImageShape shape,
            List<String> entities, boolean foreign, boolean otherShapes, List<String> names) {
        ImageDataset dataset = ImageDataset.open(spark, path);
        boolean hasLabel = dataset.has(DatasetSchema.LABEL);
        boolean hasLabels = dataset.has(DatasetSchema.LABELS);
        for (String column : List.of(DatasetSchema.LABEL, DatasetSchema.LABELS)) {
            if (dataset.has(column)) {
                dataset.requireColumns(column);
            }
        }
        Dataset<Row> data = dataset.rows();
        if (split != null) {
            dataset.requireColumns(DatasetSchema.SPLIT);
            data = data.where(functions.col(DatasetSchema.SPLIT).equalTo(split));
        }
        List<String> converted = new ArrayList<>();
        if (otherShapes) {
            dataset.requireRows(data, split).stream().filter(s -> !s.equals(shape.toString())).forEach(converted::add);
        } else {
            dataset.requireShape(data, split, shape);
        }
        boolean multiLabel = dataset.multiLabel();
        List<String> unknown = new ArrayList<>();
        int[] toModel = hasLabel || hasLabels ? entityMap(dataset.entities(names), path, entities, foreign, unknown)
                : null;
        // Single-label rows have label >= 0; multi-label rows have -1 and their entities in labels.
        Column label = hasLabel && !multiLabel
                ? functions.when(functions.col(DatasetSchema.LABEL).geq(0).and(unknown.isEmpty() ? functions.lit(true)
                        : remap(functions.col(DatasetSchema.LABEL), toModel).geq(0)),
                        remap(functions.col(DatasetSchema.LABEL), toModel))
                : functions.lit(null).cast(DataTypes.IntegerType);
        Column remapped = hasLabels ? functions.transform(functions.col(DatasetSchema.LABELS), l -> remap(l, toModel))
                : null;
        Column labels = hasLabels ? (unknown.isEmpty() ? remapped
                : functions.when(functions.not(functions.exists(remapped, l -> l.lt(0))), remapped))
                : hasLabel && !multiLabel ? (unknown.isEmpty() ? functions.array(label)
                        : functions.when(label.isNotNull(), functions.array(label)))
                : functions.lit(null).cast(DataTypes.createArrayType(DataTypes.IntegerType));
        List<Column> columns = new ArrayList<>(List.of(functions.col(DatasetSchema.ID),
                functions.col(DatasetSchema.PIXELS), label.as(DatasetSchema.LABEL), labels.as(DatasetSchema.LABELS)));
        if (otherShapes) {
            for (String c : List.of(DatasetSchema.HEIGHT, DatasetSchema.WIDTH, DatasetSchema.CHANNELS)) {
                columns.add(functions.col(c));
            }
        }
        columns.add(dataset.has(DatasetSchema.SPLIT) ? functions.col(DatasetSchema.SPLIT)
                : functions.lit(null).cast(DataTypes.StringType).as(DatasetSchema.SPLIT));
        Dataset<Row> rows = data.select(columns.toArray(new Column[0]));
        return new LabelledImages(rows, hasLabel || hasLabels, multiLabel, List.copyOf(unknown),
                List.copyOf(converted));
    }

    /**
     * Dataset entity index -> model entity index, by name (-1: not the model's, collected in {@code unknown}, a
     * failure unless {@code foreign}).
     */
    private static int[] entityMap(List<String> names, String path, List<String> entities, boolean foreign,
            List<String> unknown) {
        int[] map = new int[names.size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = entities.indexOf(names.get(i));
            if (map[i] < 0) {
                unknown.add(names.get(i));
            }
        }
        if (!unknown.isEmpty() && !foreign) {
            throw new JobFailure("dataset " + path + " has entities the model does not know: " + unknown
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
