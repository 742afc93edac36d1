package io.vcaps.jobs.averaging;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What local steps measured, summed so that workers and rounds add up: each named loss term weighted by the
 * examples of its step, the examples and steps themselves, and whether every step stayed finite.
 */
public final class StepTotals implements Serializable {

    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, double[]> sums = new LinkedHashMap<>();
    private long examples;
    private int steps;
    private boolean finite = true;
    private double slowestSeconds;

    /** Records one step of {@code examples} examples with these loss terms (NaN terms count as absent). */
    public StepTotals add(Map<String, Double> terms, int stepExamples) {
        for (Map.Entry<String, Double> term : terms.entrySet()) {
            double value = term.getValue();
            if (!Double.isFinite(value)) {
                if (!Double.isNaN(value) || !optional(term.getKey())) {
                    finite = false;
                }
                continue;
            }
            double[] sum = sums.computeIfAbsent(term.getKey(), k -> new double[2]);
            sum[0] += value * stepExamples;
            sum[1] += stepExamples;
        }
        examples += stepExamples;
        steps++;
        return this;
    }

    /** KL means over an empty set of capsules are NaN without anything being wrong. */
    private static boolean optional(String term) {
        return term.startsWith("kl_");
    }

    /** Records how long one worker's steps took; merged totals keep the slowest worker's time. */
    public StepTotals timed(double seconds) {
        slowestSeconds = Math.max(slowestSeconds, seconds);
        return this;
    }

    /** The wall time of the slowest worker's local steps. */
    public double slowestWorkerSeconds() {
        return slowestSeconds;
    }

    /** Marks these steps as having produced a non-finite loss or parameter. */
    public StepTotals markNonFinite() {
        finite = false;
        return this;
    }

    /** Adds another worker's or round's totals to these. */
    public StepTotals merge(StepTotals other) {
        for (Map.Entry<String, double[]> e : other.sums.entrySet()) {
            double[] sum = sums.computeIfAbsent(e.getKey(), k -> new double[2]);
            sum[0] += e.getValue()[0];
            sum[1] += e.getValue()[1];
        }
        examples += other.examples;
        steps += other.steps;
        finite &= other.finite;
        slowestSeconds = Math.max(slowestSeconds, other.slowestSeconds);
        return this;
    }

    /** The example-weighted mean of each term, in the order first seen. */
    public Map<String, Double> means() {
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((name, sum) -> out.put(name, sum[1] == 0 ? Double.NaN : sum[0] / sum[1]));
        return out;
    }

    public double mean(String term) {
        double[] sum = sums.get(term);
        return sum == null || sum[1] == 0 ? Double.NaN : sum[0] / sum[1];
    }

    public long examples() {
        return examples;
    }

    public int steps() {
        return steps;
    }

    public boolean isFinite() {
        return finite;
    }
}
