package io.vcaps.jobs.batch;

import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts that score classifications against labels, summed over the rows of a {@link ClassificationSchema} table:
 * for single-label data the K x K confusion matrix of (true, predicted argmin KL); for all labelled data the
 * per-entity true/false positives of the multi-label prediction (KL under the threshold), exact matches and
 * unknowns. {@link #report} turns them into accuracy, per-entity precision, recall and F1.
 */
public final class Evaluation implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int entities;
    private final long[][] confusion;
    private final long[] truePositive;
    private final long[] falsePositive;
    private final long[] falseNegative;
    private long rows;
    private long singleLabelRows;
    private long correct;
    private long exactSets;
    private long unknown;

    public Evaluation(int entities) {
        this.entities = entities;
        this.confusion = new long[entities][entities];
        this.truePositive = new long[entities];
        this.falsePositive = new long[entities];
        this.falseNegative = new long[entities];
    }

    /** Adds one output row (columns by name: predicted, present, unknown, label, labels). */
    public Evaluation add(Row row) {
        if (row.isNullAt(row.fieldIndex(ClassificationSchema.LABELS))) {
            return this;
        }
        rows++;
        int predicted = row.getInt(row.fieldIndex(ClassificationSchema.PREDICTED));
        if (!row.isNullAt(row.fieldIndex(ClassificationSchema.LABEL))) {
            int label = row.getInt(row.fieldIndex(ClassificationSchema.LABEL));
            confusion[label][predicted]++;
            singleLabelRows++;
            if (label == predicted) {
                correct++;
            }
        }
        if (row.getBoolean(row.fieldIndex(ClassificationSchema.UNKNOWN))) {
            unknown++;
        }
        boolean[] truth = new boolean[entities];
        for (Object l : row.getList(row.fieldIndex(ClassificationSchema.LABELS))) {
            truth[(Integer) l] = true;
        }
        boolean[] present = new boolean[entities];
        for (Object p : row.getList(row.fieldIndex(ClassificationSchema.PRESENT))) {
            present[(Integer) p] = true;
        }
        boolean same = true;
        for (int k = 0; k < entities; k++) {
            if (present[k] && truth[k]) {
                truePositive[k]++;
            } else if (present[k]) {
                falsePositive[k]++;
            } else if (truth[k]) {
                falseNegative[k]++;
            }
            same &= present[k] == truth[k];
        }
        if (same) {
            exactSets++;
        }
        return this;
    }

    /** Adds {@code other}'s counts to this. */
    public Evaluation merge(Evaluation other) {
        for (int i = 0; i < entities; i++) {
            for (int j = 0; j < entities; j++) {
                confusion[i][j] += other.confusion[i][j];
            }
            truePositive[i] += other.truePositive[i];
            falsePositive[i] += other.falsePositive[i];
            falseNegative[i] += other.falseNegative[i];
        }
        rows += other.rows;
        singleLabelRows += other.singleLabelRows;
        correct += other.correct;
        exactSets += other.exactSets;
        unknown += other.unknown;
        return this;
    }

    /** Labelled rows counted. */
    public long rows() {
        return rows;
    }

    /** Whether the rows were single-label (a confusion matrix exists). */
    public boolean singleLabel() {
        return singleLabelRows > 0 && singleLabelRows == rows;
    }

    /** Single-label accuracy: predicted == label over labelled rows. */
    public double accuracy() {
        return ratio(correct, singleLabelRows);
    }

    /** Accuracy as the report states it: single-label accuracy, or for multi-label data the share of exact sets. */
    public double headlineAccuracy() {
        return singleLabel() ? accuracy() : ratio(exactSets, rows);
    }

    /** Share of labelled rows with no capsule under the threshold. */
    public double unknownRate() {
        return ratio(unknown, rows);
    }

    /** [true][predicted] counts. */
    public long[][] confusion() {
        long[][] copy = new long[entities][];
        for (int i = 0; i < entities; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }

    /**
     * The report as ordered JSON-ready maps. Single-label data: accuracy, per-entity precision/recall/F1 of the argmin
     * prediction and the confusion matrix. Multi-label data: exact-set accuracy and per-entity precision/recall/F1 of
     * the thresholded prediction. Both: the unknown rate.
     */
    public Map<String, Object> report(List<String> names) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", rows);
        out.put("task", singleLabel() ? "single-label" : "multi-label");
        out.put("accuracy", headlineAccuracy());
        out.put("unknown_rate", unknownRate());
        List<Map<String, Object>> perEntity = new ArrayList<>();
        double f1Sum = 0;
        for (int k = 0; k < entities; k++) {
            long tp;
            long predictedK;
            long actualK;
            if (singleLabel()) {
                tp = confusion[k][k];
                predictedK = 0;
                actualK = 0;
                for (int i = 0; i < entities; i++) {
                    predictedK += confusion[i][k];
                    actualK += confusion[k][i];
                }
            } else {
                tp = truePositive[k];
                predictedK = tp + falsePositive[k];
                actualK = tp + falseNegative[k];
            }
            double precision = ratio(tp, predictedK);
            double recall = ratio(tp, actualK);
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            f1Sum += f1;
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("entity", k);
            e.put("name", names.get(k));
            e.put("support", actualK);
            e.put("predicted", predictedK);
            e.put("precision", precision);
            e.put("recall", recall);
            e.put("f1", f1);
            perEntity.add(e);
        }
        out.put("macro_f1", entities == 0 ? 0 : f1Sum / entities);
        out.put("per_entity", perEntity);
        if (singleLabel()) {
            Map<String, Object> matrix = new LinkedHashMap<>();
            matrix.put("rows", "true entity");
            matrix.put("columns", "predicted entity");
            matrix.put("names", names);
            matrix.put("counts", confusion);
            out.put("confusion", matrix);
        }
        return out;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }
}
