package io.vcaps.jobs.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The most accurate held-out evaluation of a run so far: its round and accuracy, on the training evaluations' sample
 * of {@code examples} held-out images (the same images each time, so that evaluations compare).
 */
public record Best(
        @JsonProperty("round") long round,
        @JsonProperty("accuracy") double accuracy,
        @JsonProperty("examples") long examples) {

    /** Whether an evaluation of {@code accuracy} beats this one: strictly more accurate, so ties keep the earlier. */
    public boolean beatenBy(double accuracy) {
        return accuracy > this.accuracy;
    }
}
