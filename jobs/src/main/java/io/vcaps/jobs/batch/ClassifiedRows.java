package io.vcaps.jobs.batch;

import io.vcaps.ml.ScoreColumns;
import io.vcaps.spark.JobFailure;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A row scored by the model (id, the {@link ScoreColumns} but reason, label, labels, split, reason) as a row of
 * {@link ClassificationSchema}, after checking that its labels are the model's entities. A row the model could not
 * score fails the job naming the image, but for one whose KL was not finite: it is kept, its prediction null and its
 * reason {@code non_finite: ...}, and counted in {@code _eval.json}.
 */
final class ClassifiedRows implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    static final String[] COLUMNS = {ClassificationSchema.ID, ScoreColumns.PREDICTED, ScoreColumns.PREDICTED_NAME,
        ScoreColumns.PRESENT, ScoreColumns.KL, ScoreColumns.SCORE, ScoreColumns.UNKNOWN, ClassificationSchema.LABEL,
        ClassificationSchema.LABELS, ClassificationSchema.SPLIT, ScoreColumns.REASON};
    /** The reason code of an image whose KL was NaN or infinite. */
    static final String NON_FINITE = "non_finite";
    private static final int LABEL = 7;
    private static final int LABELS = 8;
    private static final int SPLIT = 9;
    private static final int REASON = 10;

    private final int entities;
    private final String bundleId;

    ClassifiedRows(int entities, String bundleId) {
        this.entities = entities;
        this.bundleId = bundleId;
    }

    @Override
    public Row call(Row row) {
        if (!row.isNullAt(REASON)) {
            String reason = row.getString(REASON);
            if (!reason.startsWith(NON_FINITE + ":")) {
                throw new JobFailure("image " + row.getString(0) + " " + reason.substring(reason.indexOf(": ") + 2));
            }
        }
        checkLabels(row, entities);
        Object[] values = new Object[COLUMNS.length + 1];
        for (int i = 0; i < SPLIT; i++) {
            values[i] = row.get(i);
        }
        values[SPLIT] = bundleId;
        values[SPLIT + 1] = row.get(SPLIT);
        values[SPLIT + 2] = row.get(REASON);
        return RowFactory.create(values);
    }

    private static void checkLabels(Row row, int k) {
        if (!row.isNullAt(LABEL) && (row.getInt(LABEL) < 0 || row.getInt(LABEL) >= k)) {
            throw new JobFailure("image " + row.getString(0) + " has label " + row.getInt(LABEL)
                    + ", outside the model's " + k + " entities; is the dataset's metadata missing?");
        }
        if (row.isNullAt(LABELS)) {
            return;
        }
        for (Object label : row.getList(LABELS)) {
            if (label == null || (Integer) label < 0 || (Integer) label >= k) {
                throw new JobFailure("image " + row.getString(0) + " has a label outside the model's " + k
                        + " entities (" + row.get(LABELS) + "); is the dataset's metadata missing?");
            }
        }
    }
}
