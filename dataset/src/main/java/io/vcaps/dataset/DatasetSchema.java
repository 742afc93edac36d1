package io.vcaps.dataset;

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
}
