package io.vcaps.jobs.run;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.Map;

/**
 * {@code eval.json}: the final evaluation of a run's last model on the whole held-out split (README, Training),
 * its fields in snake case in this order.
 *
 * @param accuracy    single-label data's accuracy (argmin KL is the label); absent for multi-label data
 * @param multiLabel  multi-label data's measures ({@link io.vcaps.core.vcn.MultiLabelMeasures#report}: the means,
 *                    exact-set accuracy, top-k where every image has k entities, and per attribute); absent for
 *                    single-label data
 * @param dataset     the dataset's identity, {@code path@created}
 * @param bestRound   the round of the best model ({@code best.zip}); 0 in files written before it was kept
 * @param bestMeasure the measure that selected it: {@code accuracy} or {@code mean_balanced_accuracy}
 * @param bestValue   its value on the training evaluations' sample of {@code bestExamples} held-out images
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FinalEvaluation(double epoch, @JsonInclude(JsonInclude.Include.NON_NULL) Double accuracy,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Object> multiLabel, double reconstructionError,
        long examples, long round, String model, String dataset, String split, long bestRound, String bestMeasure,
        @JsonAlias("best_accuracy") double bestValue, long bestExamples) {
}
