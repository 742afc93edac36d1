package io.vcaps.ml;

import io.vcaps.core.vcn.Classification;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The columns a {@link VcapsModel} adds, each name after the output prefix: the classification of
 * {@code vcaps classify} (README, "Batch jobs") and the reason a row could not be scored. All are null for such a
 * row, and {@code reason} is null for the others.
 */
public final class ScoreColumns {
    /** The single-label prediction: the index of the entity with the smallest KL. */
    public static final String PREDICTED = "predicted";
    /** That entity's name. */
    public static final String PREDICTED_NAME = "predicted_name";
    /** Indices of the entities whose KL is under the presence threshold (the multi-label prediction). */
    public static final String PRESENT = "present";
    /** Per-capsule KL with the prior, in the model's entity order (nats). */
    public static final String KL = "kl";
    /** softmax(-KL) of the predicted entity. */
    public static final String SCORE = "score";
    /** True when no capsule is under the threshold. */
    public static final String UNKNOWN = "unknown";
    /** Why the row has no prediction ({@code code: detail}), null when it has one. */
    public static final String REASON = "reason";

    private ScoreColumns() {
    }

    /** The added columns, named with {@code prefix}, all nullable. */
    public static StructType schema(String prefix) {
        return new StructType()
                .add(prefix + PREDICTED, DataTypes.IntegerType, true)
                .add(prefix + PREDICTED_NAME, DataTypes.StringType, true)
                .add(prefix + PRESENT, DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add(prefix + KL, DataTypes.createArrayType(DataTypes.FloatType, false), true)
                .add(prefix + SCORE, DataTypes.DoubleType, true)
                .add(prefix + UNKNOWN, DataTypes.BooleanType, true)
                .add(prefix + REASON, DataTypes.StringType, true);
    }

    /** Number of added columns. */
    static final int COUNT = 7;

    /**
     * Image {@code b} of {@code c}'s values of the added columns, into {@code out} from {@code offset}; an image
     * whose KL is not finite has no prediction (its argmin and score would be arbitrary): {@code non_finite}.
     */
    static void values(Classification c, int b, List<String> entityNames, Object[] out, int offset)
            throws InvalidImage {
        if (!Arrays.stream(c.kl()[b]).allMatch(Double::isFinite)) {
            throw new InvalidImage("non_finite", "has KL " + Arrays.toString(c.kl()[b]) + ", not finite: the"
                    + " model's values overflow or are NaN for it");
        }
        int k = entityNames.size();
        Float[] kl = new Float[k];
        List<Integer> present = new ArrayList<>();
        for (int e = 0; e < k; e++) {
            kl[e] = (float) c.kl()[b][e];
            if (c.present()[b][e]) {
                present.add(e);
            }
        }
        int predicted = c.predicted()[b];
        out[offset] = predicted;
        out[offset + 1] = entityNames.get(predicted);
        out[offset + 2] = present.toArray(new Integer[0]);
        out[offset + 3] = kl;
        out[offset + 4] = c.score()[b];
        out[offset + 5] = c.unknown()[b];
        out[offset + 6] = null;
    }

    /** The added columns of a row that could not be scored. */
    static void invalid(InvalidImage why, Object[] out, int offset) {
        for (int i = 0; i < COUNT - 1; i++) {
            out[offset + i] = null;
        }
        out[offset + COUNT - 1] = why.reason();
    }
}
