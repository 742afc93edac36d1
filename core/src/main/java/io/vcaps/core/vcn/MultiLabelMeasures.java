package io.vcaps.core.vcn;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The multi-label measures of a set of images, the one definition that training's held-out evaluation, classify and
 * the report share. Per attribute: accuracy, balanced accuracy, precision, recall, F1 of the thresholded prediction
 * and AUROC of the score -KL; their unweighted means over attributes; exact-set accuracy (the predicted set is the
 * true set); and where every image has the same number k of present entities, top-k (the k smallest KLs are the
 * true set, strictly: a tie at the border is a miss).
 *
 * <p>Conventions where a ratio has nothing to divide: precision, recall and F1 are 0 (as scikit-learn's
 * {@code zero_division=0}); balanced accuracy averages the rates of the classes that occur; AUROC is NaN when an
 * attribute is always present or always absent, and the mean AUROC leaves such attributes out.
 *
 * <p>Selection ({@link #SELECTED}) is by mean balanced accuracy: "every attribute absent" and "every attribute
 * present" both score exactly 0.5 on it, whatever the base rates, where mean per-attribute accuracy rewards "absent"
 * for rare attributes and mean F1 rewards "present" for common ones. Counts merge ({@link #merge}), so partitions
 * can be measured apart; the scores are kept whole for an exact AUROC (4 bytes per image and attribute).
 */
public final class MultiLabelMeasures implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The names of the measures over all attributes, as JSON, metrics lines and the console write them. */
    public static final String MEAN_ACCURACY = "mean_accuracy", MEAN_BALANCED_ACCURACY = "mean_balanced_accuracy",
            MEAN_PRECISION = "mean_precision", MEAN_RECALL = "mean_recall", MEAN_F1 = "mean_f1",
            MEAN_AUROC = "mean_auroc", EXACT_SET_ACCURACY = "exact_set_accuracy", TOP_K = "top_k", K = "k",
            PER_ATTRIBUTE = "per_attribute";
    /** Every name {@link #means} may hold, in its order. */
    public static final List<String> NAMES = List.of(MEAN_ACCURACY, MEAN_BALANCED_ACCURACY, MEAN_PRECISION,
            MEAN_RECALL, MEAN_F1, MEAN_AUROC, EXACT_SET_ACCURACY, TOP_K);
    /** The measure that picks a multi-label run's best model and drives its early stopping. */
    public static final String SELECTED = MEAN_BALANCED_ACCURACY;

    private final int attributes;
    private final long[] truePositives;
    private final long[] falsePositives;
    private final long[] falseNegatives;
    private final long[] trueNegatives;
    private final float[][] positiveScores;
    private final float[][] negativeScores;
    private long images;
    private long exactSets;
    private long topKHits;
    /** The number of present entities every image so far had; -1 before the first, -2 once they differ. */
    private int commonK = -1;

    public MultiLabelMeasures(int attributes) {
        this.attributes = attributes;
        truePositives = new long[attributes];
        falsePositives = new long[attributes];
        falseNegatives = new long[attributes];
        trueNegatives = new long[attributes];
        positiveScores = new float[attributes][0];
        negativeScores = new float[attributes][0];
    }

    /** One record of an attribute's counts and its AUROC, with the ratios that follow from them. */
    public record Attribute(long truePositives, long falsePositives, long falseNegatives, long trueNegatives,
            double auroc) {

        public long support() {
            return truePositives + falseNegatives;
        }

        public long predicted() {
            return truePositives + falsePositives;
        }

        public double accuracy() {
            return ratio(truePositives + trueNegatives, truePositives + falsePositives + falseNegatives
                    + trueNegatives);
        }

        public double balancedAccuracy() {
            long positives = support();
            long negatives = trueNegatives + falsePositives;
            if (positives == 0 || negatives == 0) {
                return positives == 0 ? ratio(trueNegatives, negatives) : recall();
            }
            return (recall() + ratio(trueNegatives, negatives)) / 2;
        }

        public double precision() {
            return ratio(truePositives, predicted());
        }

        public double recall() {
            return ratio(truePositives, support());
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    /**
     * Adds one image: its true set, the predicted set (KL under the threshold) and its per-capsule KLs, all
     * indexed by entity.
     */
    public void add(boolean[] truth, boolean[] predicted, double[] kl) {
        images++;
        boolean exact = true;
        int k = 0;
        double worstPresent = Double.NEGATIVE_INFINITY;
        double bestAbsent = Double.POSITIVE_INFINITY;
        for (int a = 0; a < attributes; a++) {
            float score = (float) -kl[a];
            if (truth[a]) {
                k++;
                worstPresent = Math.max(worstPresent, kl[a]);
                positiveScores[a] = append(positiveScores[a], truePositives[a] + falseNegatives[a], score);
                if (predicted[a]) {
                    truePositives[a]++;
                } else {
                    falseNegatives[a]++;
                }
            } else {
                bestAbsent = Math.min(bestAbsent, kl[a]);
                negativeScores[a] = append(negativeScores[a], trueNegatives[a] + falsePositives[a], score);
                if (predicted[a]) {
                    falsePositives[a]++;
                } else {
                    trueNegatives[a]++;
                }
            }
            exact &= truth[a] == predicted[a];
        }
        exactSets += exact ? 1 : 0;
        topKHits += worstPresent < bestAbsent ? 1 : 0;
        commonK = commonK == -1 || commonK == k ? k : -2;
    }

    /** Adds {@code other}'s images to this; returns this. */
    public MultiLabelMeasures merge(MultiLabelMeasures other) {
        if (other.attributes != attributes) {
            throw new IllegalArgumentException(other.attributes + " attributes merged into " + attributes);
        }
        for (int a = 0; a < attributes; a++) {
            positiveScores[a] = concat(positiveScores[a], truePositives[a] + falseNegatives[a],
                    other.positiveScores[a], other.truePositives[a] + other.falseNegatives[a]);
            negativeScores[a] = concat(negativeScores[a], trueNegatives[a] + falsePositives[a],
                    other.negativeScores[a], other.trueNegatives[a] + other.falsePositives[a]);
            truePositives[a] += other.truePositives[a];
            falsePositives[a] += other.falsePositives[a];
            falseNegatives[a] += other.falseNegatives[a];
            trueNegatives[a] += other.trueNegatives[a];
        }
        if (other.images > 0) {
            commonK = commonK == -1 || commonK == other.commonK ? other.commonK : -2;
        }
        images += other.images;
        exactSets += other.exactSets;
        topKHits += other.topKHits;
        return this;
    }

    public long images() {
        return images;
    }

    public int attributes() {
        return attributes;
    }

    public Attribute attribute(int a) {
        long positives = truePositives[a] + falseNegatives[a];
        long negatives = trueNegatives[a] + falsePositives[a];
        return new Attribute(truePositives[a], falsePositives[a], falseNegatives[a], trueNegatives[a],
                auroc(Arrays.copyOf(positiveScores[a], (int) positives),
                        Arrays.copyOf(negativeScores[a], (int) negatives)));
    }

    /** The share of images whose predicted set is exactly the true set. */
    public double exactSetAccuracy() {
        return ratio(exactSets, images);
    }

    /** The number of present entities every image had; 0 when it varies or there are no images. */
    public int k() {
        return Math.max(commonK, 0);
    }

    /** The share of images whose k smallest KLs are exactly their k present entities; NaN when {@link #k} is 0. */
    public double topK() {
        return k() == 0 ? Double.NaN : ratio(topKHits, images);
    }

    /** The measures over all attributes, by {@link #NAMES}; top-k only where {@link #k} is not 0. */
    public Map<String, Double> means() {
        double[] sums = new double[5];
        double aurocSum = 0;
        int aurocs = 0;
        for (int a = 0; a < attributes; a++) {
            Attribute m = attribute(a);
            sums[0] += m.accuracy();
            sums[1] += m.balancedAccuracy();
            sums[2] += m.precision();
            sums[3] += m.recall();
            sums[4] += m.f1();
            if (!Double.isNaN(m.auroc())) {
                aurocSum += m.auroc();
                aurocs++;
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(MEAN_ACCURACY, mean(sums[0], attributes));
        out.put(MEAN_BALANCED_ACCURACY, mean(sums[1], attributes));
        out.put(MEAN_PRECISION, mean(sums[2], attributes));
        out.put(MEAN_RECALL, mean(sums[3], attributes));
        out.put(MEAN_F1, mean(sums[4], attributes));
        out.put(MEAN_AUROC, mean(aurocSum, aurocs));
        out.put(EXACT_SET_ACCURACY, images == 0 ? Double.NaN : exactSetAccuracy());
        if (k() > 0) {
            out.put(TOP_K, topK());
        }
        return out;
    }

    /** Measures as the console shows them: each name with blanks for underscores, its value to four places. */
    public static String describe(Map<String, Double> measures) {
        StringBuilder out = new StringBuilder();
        measures.forEach((name, value) -> out.append(out.isEmpty() ? "" : ", ").append(name.replace('_', ' '))
                .append(String.format(java.util.Locale.ROOT, " %.4f", value)));
        return out.toString();
    }

    /** The selected measure ({@link #SELECTED}). */
    public double selected() {
        return means().get(SELECTED);
    }

    /**
     * The whole report as ordered JSON-ready maps: {@link #means}, {@code k} where it is common, and
     * {@code per_attribute} (entity, name, support, predicted and the six measures of each attribute).
     */
    public Map<String, Object> report(List<String> names) {
        Map<String, Object> out = new LinkedHashMap<>(means());
        if (k() > 0) {
            out.put(K, k());
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int a = 0; a < attributes; a++) {
            Attribute m = attribute(a);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("entity", a);
            row.put("name", names.get(a));
            row.put("support", m.support());
            row.put("predicted", m.predicted());
            row.put("accuracy", m.accuracy());
            row.put("balanced_accuracy", m.balancedAccuracy());
            row.put("precision", m.precision());
            row.put("recall", m.recall());
            row.put("f1", m.f1());
            row.put("auroc", Double.isNaN(m.auroc()) ? null : m.auroc());
            rows.add(row);
        }
        out.put(PER_ATTRIBUTE, rows);
        return out;
    }

    /**
     * The area under the ROC curve of scores whose higher values should mean "present": the probability that a
     * random positive scores above a random negative, a tie counting one half (the Mann-Whitney statistic). NaN
     * when either side is empty.
     */
    public static double auroc(float[] positives, float[] negatives) {
        if (positives.length == 0 || negatives.length == 0) {
            return Double.NaN;
        }
        float[] p = positives.clone();
        float[] n = negatives.clone();
        Arrays.sort(p);
        Arrays.sort(n);
        double wins = 0;
        int below = 0;
        int upTo = 0;
        for (float s : p) {
            while (below < n.length && n[below] < s) {
                below++;
            }
            upTo = Math.max(upTo, below);
            while (upTo < n.length && n[upTo] <= s) {
                upTo++;
            }
            wins += below + 0.5 * (upTo - below);
        }
        return wins / ((double) p.length * n.length);
    }

    private static float[] append(float[] values, long used, float value) {
        float[] out = used < values.length ? values : Arrays.copyOf(values, Math.max(16, values.length * 2));
        out[(int) used] = value;
        return out;
    }

    private static float[] concat(float[] a, long aUsed, float[] b, long bUsed) {
        float[] out = Arrays.copyOf(a, (int) (aUsed + bUsed));
        System.arraycopy(b, 0, out, (int) aUsed, (int) bUsed);
        return out;
    }

    private static double mean(double sum, int count) {
        return count == 0 ? Double.NaN : sum / count;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }
}
