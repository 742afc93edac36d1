package io.vcaps.jobs.train;

import io.vcaps.core.vcn.Provenance;
import io.vcaps.jobs.averaging.TrainingState;
import io.vcaps.jobs.run.Best;

/**
 * The best state of a run by the held-out measure that selects ({@link HeldOutEvaluation.Result#selectedMeasure}:
 * accuracy for single-label data, mean balanced accuracy for multi-label data, which a model that calls every
 * attribute absent cannot win), and the early-stopping count: how many periodic evaluations in a row have not
 * beaten it. Every evaluation is on the same held-out sample, so values compare; a tie keeps the earlier state.
 */
final class BestModel {

    private Best best;
    private TrainingState state;
    private int withoutImprovement;

    /** A run's best so far: none for a new run; a checkpoint's, with its parameters, for a resumed one. */
    BestModel(Best best, TrainingState state, int withoutImprovement) {
        this.best = best;
        this.state = state;
        this.withoutImprovement = withoutImprovement;
    }

    /**
     * Weighs the evaluation of {@code state} after {@code round}; only {@code periodic} ones (every
     * {@code eval-every} rounds) count towards early stopping.
     *
     * @return whether it is the new best
     */
    boolean offer(long round, HeldOutEvaluation.Result evaluation, TrainingState state, boolean periodic) {
        if (best == null || best.beatenBy(evaluation.selected())) {
            best = new Best(round, evaluation.selectedMeasure(), evaluation.selected(), evaluation.examples());
            this.state = state;
            withoutImprovement = 0;
            return true;
        }
        if (periodic) {
            withoutImprovement++;
        }
        return false;
    }

    /** Whether {@code patience} evaluations in a row have not improved on the best (never when patience is 0). */
    boolean exhausted(int patience) {
        return patience > 0 && withoutImprovement >= patience;
    }

    /** The best evaluation so far; null before the first. */
    Best best() {
        return best;
    }

    /** The parameters of the best evaluation; null before the first. */
    TrainingState state() {
        return state;
    }

    int withoutImprovement() {
        return withoutImprovement;
    }

    /** What a bundle of this run says about itself: {@code model} is {@link Provenance.Selection#LAST} or BEST. */
    Provenance.Selection selection(String model) {
        return new Provenance.Selection(model, best.round(), best.measure(), best.value(), best.examples());
    }
}
