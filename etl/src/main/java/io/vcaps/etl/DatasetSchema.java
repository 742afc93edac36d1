package io.vcaps.etl;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Column names and Spark schemas of an ETL dataset and of its rejects table (docs/DATA.md). */
public final class DatasetSchema {
    public static final String ID = "id";
    public static final String SPLIT = "split";
    public static final String LABEL = "label";
    public static final String LABEL_NAME = "label_name";
    public static final String LABELS = "labels";
    public static final String HEIGHT = "height";
    public static final String WIDTH = "width";
    public static final String CHANNELS = "channels";
    public static final String PIXELS = "pixels";

    public static final String TRAIN = "train";
    public static final String TEST = "test";

    /** The folder of rejects inside a dataset. */
    public static final String REJECTS_DIR = "_rejects";
    /** The metadata file inside a dataset. */
    public static final String METADATA_FILE = "_vcaps.json";

    /** One row per image. Written partitioned by {@code split}. */
    public static final StructType IMAGES = new StructType()
            .add(ID, DataTypes.StringType, false)
            .add(SPLIT, DataTypes.StringType, false)
            .add(LABEL, DataTypes.IntegerType, false)
            .add(LABEL_NAME, DataTypes.StringType, false)
            .add(LABELS, DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add(HEIGHT, DataTypes.IntegerType, false)
            .add(WIDTH, DataTypes.IntegerType, false)
            .add(CHANNELS, DataTypes.IntegerType, false)
            .add(PIXELS, DataTypes.BinaryType, false);

    /** One row per rejected input. */
    public static final StructType REJECTS = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("stage", DataTypes.StringType, false)
            .add("reason", DataTypes.StringType, false)
            .add("detail", DataTypes.StringType, false);

    private DatasetSchema() {
    }

    /** {@code r} in Spark's internal form, matching {@link #IMAGES}. */
    static InternalRow toInternalRow(ImageRecord r) {
        return new GenericInternalRow(new Object[] {UTF8String.fromString(r.id()), UTF8String.fromString(r.split()), r.label(),
            UTF8String.fromString(r.labelName()), UnsafeArrayData.fromPrimitiveArray(r.labels()), r.height(), r.width(), r.channels(),
            r.pixels()});
    }

    static Row toRow(Reject r) {
        return RowFactory.create(r.path(), r.stage(), r.reason(), r.detail());
    }
}
