package io.vcaps.jobs.batch;

import io.vcaps.ml.ScoreColumns;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The columns {@code vcaps classify} writes, one row per input image (README, "Batch jobs"). */
public final class ClassificationSchema {
    /** The input row's id. */
    public static final String ID = "id";
    /** The single-label prediction: the index of the entity with the smallest KL. */
    public static final String PREDICTED = ScoreColumns.PREDICTED;
    /** That entity's name. */
    public static final String PREDICTED_NAME = ScoreColumns.PREDICTED_NAME;
    /** Indices of the entities whose KL is under the presence threshold (the multi-label prediction). */
    public static final String PRESENT = ScoreColumns.PRESENT;
    /** Per-capsule KL with the prior, in the model's entity order (nats). */
    public static final String KL = ScoreColumns.KL;
    /** softmax(-KL) of the predicted entity. */
    public static final String SCORE = ScoreColumns.SCORE;
    /** True when no capsule is under the threshold. */
    public static final String UNKNOWN = ScoreColumns.UNKNOWN;
    /** The true entity (model indices) for single-label data; null otherwise. */
    public static final String LABEL = "label";
    /** The true entities (model indices) where the data has labels; null otherwise. */
    public static final String LABELS = "labels";
    /** The id of the bundle that scored the row (see {@link io.vcaps.ml.Bundle#idOf}). */
    public static final String BUNDLE_ID = "bundle_id";
    /** The row's split in the dataset; null where the dataset has no split column. */
    public static final String SPLIT = "split";
    /**
     * Why the row has no prediction, null when it has one: {@code non_finite: ...} where its KL was NaN or infinite
     * (the prediction columns are then null).
     */
    public static final String REASON = ScoreColumns.REASON;

    public static final StructType SCHEMA = new StructType()
            .add(ID, DataTypes.StringType, false)
            .add(PREDICTED, DataTypes.IntegerType, true)
            .add(PREDICTED_NAME, DataTypes.StringType, true)
            .add(PRESENT, DataTypes.createArrayType(DataTypes.IntegerType, false), true)
            .add(KL, DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add(SCORE, DataTypes.DoubleType, true)
            .add(UNKNOWN, DataTypes.BooleanType, true)
            .add(LABEL, DataTypes.IntegerType, true)
            .add(LABELS, DataTypes.createArrayType(DataTypes.IntegerType, false), true)
            .add(BUNDLE_ID, DataTypes.StringType, false)
            .add(SPLIT, DataTypes.StringType, true)
            .add(REASON, DataTypes.StringType, true);

    /** The evaluation report written inside the output when the data has labels. */
    public static final String EVAL_FILE = "_eval.json";
    /** The confusion matrix as a picture, beside the report (single-label data). */
    public static final String CONFUSION_FILE = "_confusion.png";

    private ClassificationSchema() {
    }
}
