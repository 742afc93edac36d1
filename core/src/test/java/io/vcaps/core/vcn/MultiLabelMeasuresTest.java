package io.vcaps.core.vcn;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The multi-label measures against values worked out by hand on four images of three attributes. */
class MultiLabelMeasuresTest {

    private static final double EPS = 1e-12;

    /*
     * image  truth   predicted  KL
     *   1    {0,1}   {0}        0.1 2.0 3.0   top-2 hit (2.0 < 3.0)
     *   2    {1,2}   {1,2}      5.0 0.2 0.3   exact; top-2 hit
     *   3    {0,2}   {0,1}      0.5 0.4 2.0   top-2 miss (attribute 2's 2.0 > attribute 1's 0.4)
     *   4    {0,1}   {0,1}      0.3 0.5 2.0   exact; top-2 hit
     */
    private static final boolean[][] TRUTH = {{true, true, false}, {false, true, true}, {true, false, true},
        {true, true, false}};
    private static final boolean[][] PREDICTED = {{true, false, false}, {false, true, true}, {true, true, false},
        {true, true, false}};
    private static final double[][] KL = {{0.1, 2.0, 3.0}, {5.0, 0.2, 0.3}, {0.5, 0.4, 2.0}, {0.3, 0.5, 2.0}};

    private static MultiLabelMeasures fixture(int from, int to) {
        MultiLabelMeasures m = new MultiLabelMeasures(3);
        for (int i = from; i < to; i++) {
            m.add(TRUTH[i], PREDICTED[i], KL[i]);
        }
        return m;
    }

    @Test
    void perAttributeMeasuresAreTheHandComputedOnes() {
        MultiLabelMeasures m = fixture(0, 4);
        // Attribute 0: TP 3, TN 1, every call right; its absent image scores -5.0, below all present ones.
        assertAttribute(m.attribute(0), 3, 0, 0, 1, 1, 1, 1, 1, 1, 1);
        // Attribute 1: TP 2 (images 2, 4), FN 1 (image 1), FP 1 (image 3), no TN. Recall 2/3, specificity 0.
        // AUROC: the one absent image scores -0.4; of the present -2.0, -0.2, -0.5 only -0.2 is above it.
        assertAttribute(m.attribute(1), 2, 1, 1, 0, 0.5, 1.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3, 1.0 / 3);
        // Attribute 2: TP 1 (image 2), FN 1 (image 3), TN 2. Present scores -0.3, -2.0; absent -3.0, -2.0: three
        // wins and one tie (-2.0 against -2.0, a half) of four pairs.
        assertAttribute(m.attribute(2), 1, 0, 1, 2, 0.75, 0.75, 1, 0.5, 2.0 / 3, 0.875);
    }

    @Test
    void meansExactSetsAndTopK() {
        Map<String, Double> means = fixture(0, 4).means();
        assertEquals(List.of(MultiLabelMeasures.MEAN_ACCURACY, MultiLabelMeasures.MEAN_BALANCED_ACCURACY,
                MultiLabelMeasures.MEAN_PRECISION, MultiLabelMeasures.MEAN_RECALL, MultiLabelMeasures.MEAN_F1,
                MultiLabelMeasures.MEAN_AUROC, MultiLabelMeasures.EXACT_SET_ACCURACY, MultiLabelMeasures.TOP_K),
                List.copyOf(means.keySet()));
        assertEquals((1 + 0.5 + 0.75) / 3, means.get(MultiLabelMeasures.MEAN_ACCURACY), EPS);
        assertEquals((1 + 1.0 / 3 + 0.75) / 3, means.get(MultiLabelMeasures.MEAN_BALANCED_ACCURACY), EPS);
        assertEquals((1 + 2.0 / 3 + 1) / 3, means.get(MultiLabelMeasures.MEAN_PRECISION), EPS);
        assertEquals((1 + 2.0 / 3 + 0.5) / 3, means.get(MultiLabelMeasures.MEAN_RECALL), EPS);
        assertEquals((1 + 2.0 / 3 + 2.0 / 3) / 3, means.get(MultiLabelMeasures.MEAN_F1), EPS);
        assertEquals((1 + 1.0 / 3 + 0.875) / 3, means.get(MultiLabelMeasures.MEAN_AUROC), EPS);
        assertEquals(0.5, means.get(MultiLabelMeasures.EXACT_SET_ACCURACY), EPS);
        assertEquals(0.75, means.get(MultiLabelMeasures.TOP_K), EPS);
        assertEquals(2, fixture(0, 4).k());
        assertEquals(means.get(MultiLabelMeasures.MEAN_BALANCED_ACCURACY), fixture(0, 4).selected(), EPS);
    }

    @Test
    void mergedHalvesMeasureAsTheWhole() {
        MultiLabelMeasures whole = fixture(0, 4);
        MultiLabelMeasures merged = fixture(0, 1).merge(fixture(1, 3)).merge(fixture(3, 4))
                .merge(new MultiLabelMeasures(3));
        assertEquals(whole.means(), merged.means());
        assertEquals(whole.report(List.of("a", "b", "c")), merged.report(List.of("a", "b", "c")));
        assertEquals(4, merged.images());
    }

    @Test
    void topKOnlyWhereEveryImageHasTheSameNumberOfEntities() {
        MultiLabelMeasures m = fixture(0, 4);
        m.add(new boolean[] {true, false, false}, new boolean[] {true, false, false}, new double[] {0.1, 1, 1});
        assertEquals(0, m.k());
        assertTrue(Double.isNaN(m.topK()));
        assertFalse(m.means().containsKey(MultiLabelMeasures.TOP_K));
        assertFalse(m.report(List.of("a", "b", "c")).containsKey(MultiLabelMeasures.K));
        // A tie at the border of the k smallest is a miss: either of the tied capsules could be the k-th.
        MultiLabelMeasures tie = new MultiLabelMeasures(3);
        tie.add(new boolean[] {true, false, false}, new boolean[] {true, false, false}, new double[] {0.5, 0.5, 2});
        assertEquals(0.0, tie.topK());
    }

    @Test
    void everyAttributeAbsentScoresOneHalfBalancedAndNoF1() {
        MultiLabelMeasures none = new MultiLabelMeasures(3);
        for (int i = 0; i < 4; i++) {
            none.add(TRUTH[i], new boolean[3], new double[] {1, 1, 1});
        }
        Map<String, Double> means = none.means();
        assertEquals(0.5, means.get(MultiLabelMeasures.MEAN_BALANCED_ACCURACY), EPS);
        assertEquals(0.0, means.get(MultiLabelMeasures.MEAN_F1), EPS);
        assertEquals(0.5, means.get(MultiLabelMeasures.MEAN_AUROC), EPS, "constant scores: every pair a tie");
        assertEquals(0.0, means.get(MultiLabelMeasures.EXACT_SET_ACCURACY), EPS);
    }

    @Test
    void anAttributeOfOneClassHasNoAurocAndIsLeftOutOfItsMean() {
        MultiLabelMeasures m = new MultiLabelMeasures(2);
        m.add(new boolean[] {true, false}, new boolean[] {true, false}, new double[] {0.1, 3});
        m.add(new boolean[] {false, false}, new boolean[] {false, true}, new double[] {2, 0.2});
        assertTrue(Double.isNaN(m.attribute(1).auroc()));
        assertEquals(0.5, m.attribute(1).balancedAccuracy(), EPS, "the absent images' rate alone");
        assertEquals(0.0, m.attribute(1).precision(), EPS);
        assertEquals(1.0, m.means().get(MultiLabelMeasures.MEAN_AUROC), EPS);
        Map<?, ?> row = (Map<?, ?>) ((List<?>) m.report(List.of("x", "y")).get(MultiLabelMeasures.PER_ATTRIBUTE))
                .get(1);
        assertEquals("y", row.get("name"));
        assertNull(row.get("auroc"), "written as null in JSON");
    }

    @Test
    void aurocCountsTiesAsOneHalf() {
        assertEquals(0.5, MultiLabelMeasures.auroc(new float[] {1, 1}, new float[] {1, 1, 1}), EPS);
        assertEquals(1.0, MultiLabelMeasures.auroc(new float[] {3, 2}, new float[] {1, 0}), EPS);
        assertEquals(0.0, MultiLabelMeasures.auroc(new float[] {0}, new float[] {1, 2}), EPS);
        // Positives 1, 2, 2, 3 against negatives 2, 0: wins 1+1.5+1.5+2 = 6 of 8 pairs.
        assertEquals(0.75, MultiLabelMeasures.auroc(new float[] {2, 1, 3, 2}, new float[] {2, 0}), EPS);
        assertTrue(Double.isNaN(MultiLabelMeasures.auroc(new float[0], new float[] {1})));
    }

    private static void assertAttribute(MultiLabelMeasures.Attribute a, long tp, long fp, long fn, long tn,
            double accuracy, double balanced, double precision, double recall, double f1, double auroc) {
        assertEquals(List.of(tp, fp, fn, tn), List.of(a.truePositives(), a.falsePositives(), a.falseNegatives(),
                a.trueNegatives()));
        assertEquals(accuracy, a.accuracy(), EPS, "accuracy");
        assertEquals(balanced, a.balancedAccuracy(), EPS, "balanced accuracy");
        assertEquals(precision, a.precision(), EPS, "precision");
        assertEquals(recall, a.recall(), EPS, "recall");
        assertEquals(f1, a.f1(), EPS, "F1");
        assertEquals(auroc, a.auroc(), EPS, "AUROC");
    }
}
