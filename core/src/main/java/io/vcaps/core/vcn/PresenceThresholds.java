package io.vcaps.core.vcn;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One presence threshold tau_k per entity, fitted after training: entity k is present iff KL_k &lt; tau_k.
 *
 * <p>One tau for every entity, (m+ + m-) / 2, assumes that each capsule's KLs fall where the margins ask; on
 * multi-label data they do not: an entity seen in half the images and one seen in 2 % end up with present and
 * absent KLs in different places. tau_k is the value that makes the most decisions about entity k right on a sample
 * of training images (the decision with the fewest errors for that score, so the one that serves per-attribute
 * accuracy and, since an image's set is right only when every decision is, exact-set accuracy). Ties go to the
 * value nearest the margins' midpoint. An entity the sample shows always or never keeps the midpoint, and is named
 * by {@link #unfitted}.
 */
public final class PresenceThresholds implements Serializable {

    private static final long serialVersionUID = 1L;

    private final double[] tau;
    private final long[] positives;
    private final long[] negatives;

    /**
     * @param tau       tau_k, [K]
     * @param positives images of the sample that showed entity k, [K]
     * @param negatives images of the sample that did not, [K]
     */
    public PresenceThresholds(double[] tau, long[] positives, long[] negatives) {
        if (tau == null || positives == null || negatives == null || positives.length != tau.length
                || negatives.length != tau.length) {
            throw new IllegalArgumentException("presence thresholds need one tau, positive and negative count per"
                    + " entity");
        }
        for (int k = 0; k < tau.length; k++) {
            if (!(tau[k] > 0) || Double.isInfinite(tau[k]) || positives[k] < 0 || negatives[k] < 0) {
                throw new IllegalArgumentException("presence threshold of entity " + k + " is " + tau[k]
                        + " (counts " + positives[k] + ", " + negatives[k] + "): thresholds are finite and above 0");
            }
        }
        this.tau = tau.clone();
        this.positives = positives.clone();
        this.negatives = negatives.clone();
    }

    public int entities() {
        return tau.length;
    }

    /** tau_k for every entity, a copy. */
    public double[] tau() {
        return tau.clone();
    }

    /** Images of the sample that showed each entity, a copy. */
    public long[] positives() {
        return positives.clone();
    }

    /** Images of the sample that did not show each entity, a copy. */
    public long[] negatives() {
        return negatives.clone();
    }

    /** The entities whose threshold is the fallback, by name, with what the sample lacked. */
    public Map<String, String> unfitted(List<String> names) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int k = 0; k < tau.length; k++) {
            if (positives[k] == 0 || negatives[k] == 0) {
                out.put(names.get(k), positives[k] == 0 ? "never present" : "always present");
            }
        }
        return out;
    }

    /** "name 12.3, other 40.1 (never present: midpoint)": tau_k by name, as the console shows them. */
    public String describe(List<String> names) {
        StringBuilder out = new StringBuilder();
        Map<String, String> unfitted = unfitted(names);
        for (int k = 0; k < tau.length; k++) {
            out.append(k == 0 ? "" : ", ").append(names.get(k))
                    .append(String.format(java.util.Locale.ROOT, " %.1f", tau[k]));
            if (unfitted.containsKey(names.get(k))) {
                out.append(" (").append(unfitted.get(names.get(k))).append(" in the sample: the fallback)");
            }
        }
        return out.toString();
    }

    /**
     * The threshold with the fewest errors on one entity's scores, ties to the one nearest {@code fallback}; the
     * fallback itself when either class is empty.
     *
     * @param present KL_k of the images showing the entity
     * @param absent  KL_k of the others
     */
    public static double fit(float[] present, float[] absent, double fallback) {
        if (present.length == 0 || absent.length == 0) {
            return fallback;
        }
        int n = present.length + absent.length;
        double[] values = new double[n];
        boolean[] positive = new boolean[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            values[i] = i < present.length ? present[i] : absent[i - present.length];
            positive[i] = i < present.length;
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        // tau below every value: all absent, so the errors are the positives; each value passed moves to "present"
        int errors = present.length;
        int best = errors;
        double bestTau = Math.min(values[order[0]], fallback);
        for (int i = 0; i < n; i++) {
            errors += positive[order[i]] ? -1 : 1;
            if (i + 1 < n && values[order[i + 1]] == values[order[i]]) {
                continue;
            }
            double t = i + 1 < n ? (values[order[i]] + values[order[i + 1]]) / 2
                    : Math.max(values[order[i]] * 2, fallback);
            if (errors < best || errors == best && Math.abs(t - fallback) < Math.abs(bestTau - fallback)) {
                best = errors;
                bestTau = t;
            }
        }
        if (!(bestTau > 0) || Double.isInfinite(bestTau)) {
            return fallback;
        }
        return bestTau;
    }

    /**
     * The KLs of a sample of images, per entity and split by presence, merged across partitions in a fixed order;
     * 8 bytes per image and entity.
     */
    public static final class Sample implements Serializable {
        private static final long serialVersionUID = 1L;

        private final float[][] present;
        private final float[][] absent;
        private final int[] presentUsed;
        private final int[] absentUsed;

        public Sample(int entities) {
            present = new float[entities][16];
            absent = new float[entities][16];
            presentUsed = new int[entities];
            absentUsed = new int[entities];
        }

        /** Adds one image: its per-capsule KLs and its true set, both indexed by entity. */
        public void add(double[] kl, boolean[] truth) {
            for (int k = 0; k < kl.length; k++) {
                if (truth[k]) {
                    present[k] = push(present[k], presentUsed[k]++, (float) kl[k]);
                } else {
                    absent[k] = push(absent[k], absentUsed[k]++, (float) kl[k]);
                }
            }
        }

        public Sample merge(Sample other) {
            for (int k = 0; k < present.length; k++) {
                for (int i = 0; i < other.presentUsed[k]; i++) {
                    present[k] = push(present[k], presentUsed[k]++, other.present[k][i]);
                }
                for (int i = 0; i < other.absentUsed[k]; i++) {
                    absent[k] = push(absent[k], absentUsed[k]++, other.absent[k][i]);
                }
            }
            return this;
        }

        /** tau_k for every entity, {@code fallback} where the sample shows one class only. */
        public PresenceThresholds fit(double fallback) {
            int entities = present.length;
            double[] tau = new double[entities];
            long[] positives = new long[entities];
            long[] negatives = new long[entities];
            for (int k = 0; k < entities; k++) {
                tau[k] = PresenceThresholds.fit(Arrays.copyOf(present[k], presentUsed[k]),
                        Arrays.copyOf(absent[k], absentUsed[k]), fallback);
                positives[k] = presentUsed[k];
                negatives[k] = absentUsed[k];
            }
            return new PresenceThresholds(tau, positives, negatives);
        }

        private static float[] push(float[] values, int used, float value) {
            float[] out = used < values.length ? values : Arrays.copyOf(values, values.length * 2);
            out[used] = value;
            return out;
        }
    }
}
