package io.vcaps.jobs.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where a run stood when a checkpoint was written, {@code progress.json} beside the checkpoint's {@code model.zip}
 * (whose networks hold the parameters, optimiser state and iteration counts). With the model it is everything a
 * resumed run needs to continue exactly: the rounds done (data order and noise derive from the round), the
 * learning-rate scale, the non-finite rounds so far, and the best evaluation so far with the evaluations since it
 * (early stopping; the best model's parameters are {@code checkpoints/best-round-NNNNNNNN.zip}). The run's shape
 * (workers, averaging frequency, the outer optimizer's settings; its momentum is {@code outer-state.bin} beside
 * the model) is recorded so that a resume that would change the arithmetic is refused.
 */
public record Checkpoint(
        @JsonProperty("rounds") long rounds,
        @JsonProperty("epoch") double epoch,
        @JsonProperty("examples") long examples,
        @JsonProperty("learning_rate_scale") double learningRateScale,
        @JsonProperty("non_finite_rounds") int nonFiniteRounds,
        @JsonProperty("workers") int workers,
        @JsonProperty("averaging_frequency") int averagingFrequency,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("seed") long seed,
        @JsonProperty("dataset") String dataset,
        @JsonProperty("elapsed_seconds") double elapsedSeconds,
        @JsonProperty("created") String created,
        @JsonProperty("best") Best best,
        @JsonProperty("evaluations_without_improvement") int evaluationsWithoutImprovement,
        @JsonProperty("evaluated_round") long evaluatedRound,
        @JsonProperty("outer") String outer) {
}
