package io.vcaps.jobs.run;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * {@code eval.json}: the final evaluation of a run's last model on the whole held-out split (README, Training),
 * its fields in snake case in this order.
 *
 * @param dataset      the dataset's identity, {@code path@created}
 * @param bestRound    the round of the best model ({@code best.zip}); 0 in files written before it was kept
 * @param bestAccuracy its accuracy on the training evaluations' sample of {@code bestExamples} held-out images
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FinalEvaluation(double epoch, double accuracy, double reconstructionError, long examples, long round,
        String model, String dataset, String split, long bestRound, double bestAccuracy, long bestExamples) {
}
