package io.vcaps.jobs.batch;

import io.vcaps.core.vcn.MultiLabelMeasures;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Counts that score classifications against labels, summed over the rows of a {@link ClassificationSchema} table:
 * for single-label data the K x K confusion matrix of (true, predicted argmin KL); for all labelled data the
 * {@link MultiLabelMeasures} of the multi-label prediction (KL under the threshold) and the unknowns.
 * {@link #report} turns them into single-label accuracy with per-entity precision, recall and F1, or the
 * multi-label measures.
 */
final class Evaluation implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int entities;
    private final long[][] confusion;
    private final MultiLabelMeasures multiLabel;
    private long rows;
    private long singleLabelRows;
    private long correct;
    private long unknown;
    private long nonFinite;

    public Evaluation(int entities) {
        this.entities = entities;
        this.confusion = new long[entities][entities];
        this.multiLabel = new MultiLabelMeasures(entities);
    }

    /**
     * Adds one output row (columns by name: predicted, present, kl, unknown, label, labels). A row without a
     * prediction (its KL was not finite) is counted as {@link #nonFinite}, labelled or not, and measured nowhere else.
     */
    public Evaluation add(Row row) {
        if (row.isNullAt(row.fieldIndex(ClassificationSchema.PREDICTED))) {
            nonFinite++;
            return this;
        }
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
        List<Object> kl = row.getList(row.fieldIndex(ClassificationSchema.KL));
        double[] kls = new double[entities];
        for (int k = 0; k < entities; k++) {
            kls[k] = ((Number) kl.get(k)).doubleValue();
        }
        multiLabel.add(truth, present, kls);
        return this;
    }

    /** Adds {@code other}'s counts to this. */
    public Evaluation merge(Evaluation other) {
        for (int i = 0; i < entities; i++) {
            for (int j = 0; j < entities; j++) {
                confusion[i][j] += other.confusion[i][j];
            }
        }
        multiLabel.merge(other.multiLabel);
        rows += other.rows;
        singleLabelRows += other.singleLabelRows;
        correct += other.correct;
        unknown += other.unknown;
        nonFinite += other.nonFinite;
        return this;
    }

    /** Labelled rows counted. */
    public long rows() {
        return rows;
    }

    /** Rows without a prediction because their KL was NaN or infinite (reason {@code non_finite}). */
    public long nonFinite() {
        return nonFinite;
    }

    /** Whether the rows were single-label (a confusion matrix exists). */
    public boolean singleLabel() {
        return singleLabelRows > 0 && singleLabelRows == rows;
    }

    /** Single-label accuracy: predicted == label over labelled rows. */
    public double accuracy() {
        return ratio(correct, singleLabelRows);
    }

    /** The multi-label measures of every labelled row (those of multi-label data). */
    public MultiLabelMeasures multiLabel() {
        return multiLabel;
    }

    /** One line for the console: accuracy, or the multi-label measures; then the unknown rate. */
    public String summary() {
        String measures = singleLabel() ? String.format(Locale.ROOT, "accuracy %.4f", accuracy())
                : MultiLabelMeasures.describe(multiLabel.means());
        return String.format(Locale.ROOT, "%s, unknown rate %.4f", measures, unknownRate());
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
     * prediction and the confusion matrix; {@code macro_f1} is the mean F1 of the entities with examples (support
     * above 0), as an entity without any has no F1 to speak of. Multi-label data: {@code multi_label}, the measures
     * of the thresholded prediction and of -KL ({@link MultiLabelMeasures#report}), as eval.json has them. Both: the
     * unknown rate, and {@code non_finite}, the rows without a prediction (not in {@code rows}).
     */
    public Map<String, Object> report(List<String> names) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", rows);
        out.put("non_finite", nonFinite);
        out.put("task", singleLabel() ? "single-label" : "multi-label");
        if (!singleLabel()) {
            out.put("unknown_rate", unknownRate());
            out.put("multi_label", multiLabel.report(names));
            return out;
        }
        out.put("accuracy", accuracy());
        out.put("unknown_rate", unknownRate());
        List<Map<String, Object>> perEntity = new ArrayList<>();
        double f1Sum = 0;
        int supported = 0;
        for (int k = 0; k < entities; k++) {
            long tp = confusion[k][k];
            long predictedK = 0;
            long actualK = 0;
            for (int i = 0; i < entities; i++) {
                predictedK += confusion[i][k];
                actualK += confusion[k][i];
            }
            double precision = ratio(tp, predictedK);
            double recall = ratio(tp, actualK);
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            if (actualK > 0) {
                f1Sum += f1;
                supported++;
            }
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
        out.put("macro_f1", supported == 0 ? 0 : f1Sum / supported);
        out.put("macro_f1_entities", supported);
        out.put("per_entity", perEntity);
        Map<String, Object> matrix = new LinkedHashMap<>();
        matrix.put("rows", "true entity");
        matrix.put("columns", "predicted entity");
        matrix.put("names", names);
        matrix.put("counts", confusion);
        out.put("confusion", matrix);
        return out;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }
}
