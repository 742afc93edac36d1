package io.vcaps.jobs.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * {@code eval.json}: the final evaluation of a run's last model on the whole held-out split (README, Training).
 *
 * @param dataset the dataset's identity, {@code path@created}
 */
@JsonPropertyOrder({"epoch", "accuracy", "reconstruction_error", "examples", "round", "model", "dataset", "split"})
public record FinalEvaluation(
        @JsonProperty("epoch") double epoch,
        @JsonProperty("accuracy") double accuracy,
        @JsonProperty("reconstruction_error") double reconstructionError,
        @JsonProperty("examples") long examples,
        @JsonProperty("round") long round,
        @JsonProperty("model") String model,
        @JsonProperty("dataset") String dataset,
        @JsonProperty("split") String split) {
}
