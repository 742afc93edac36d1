package io.vcaps.jobs.run;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The best held-out evaluation of a run so far: its round and the value of the measure that selects (single-label
 * data: {@code accuracy}; multi-label data: {@code mean_balanced_accuracy}), on the training evaluations' sample of
 * {@code examples} held-out images (the same images each time, so that evaluations compare). Progress files written
 * before the measure was named hold {@code accuracy}.
 */
public record Best(
        @JsonProperty("round") long round,
        @JsonProperty("measure") String measure,
        @JsonProperty("value") @JsonAlias("accuracy") double value,
        @JsonProperty("examples") long examples) {

    public Best {
        measure = measure == null ? MetricsLine.ACCURACY : measure;
    }

    /** Whether an evaluation of {@code value} beats this one: strictly better, so ties keep the earlier. */
    public boolean beatenBy(double value) {
        return value > this.value;
    }
}
