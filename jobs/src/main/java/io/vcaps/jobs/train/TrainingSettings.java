package io.vcaps.jobs.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.vcaps.core.config.ConfigChecks;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.jobs.averaging.OuterStep;
import io.vcaps.spark.JobFailure;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code vcaps train} trains, from the {@code vcaps.training} block of the configuration (defaults in core's
 * reference.conf, documented in conf/mnist-small.conf) with command-line overrides, in one record per concern.
 * Batch size and seed are the model configuration's ({@link VcnConfig#batchSize()}, {@link VcnConfig#seed()}).
 *
 * @param schedule    how much is trained and by how many workers
 * @param averaging   how the workers' states are combined
 * @param evaluation  the held-out evaluations during training and early stopping
 * @param checkpoints how often the run is checkpointed
 * @param faults      the policies for failed and non-finite rounds
 * @param priorImages train images the model's entity priors are fitted to after the last round (0: none,
 *                    synthesis samples N(0, I))
 */
record TrainingSettings(Schedule schedule, Averaging averaging, Evaluation evaluation, Checkpoints checkpoints,
        Faults faults, long priorImages) {

    /**
     * How much is trained and by how many workers.
     *
     * @param workers            parallel workers (partitions of the train split); 0: Spark's default parallelism
     * @param averagingFrequency local steps per worker between two averagings
     * @param epochs             passes over the train split (fractions allowed)
     * @param minutes            wall-clock budget of this run; 0: none
     */
    public record Schedule(int workers, int averagingFrequency, double epochs, double minutes) {

        public Schedule {
            check(workers >= 0, "workers", workers, "0 or more");
            check(averagingFrequency >= 1, "averaging-frequency", averagingFrequency, "at least 1");
            check(epochs > 0, "epochs", epochs, "positive");
            check(minutes >= 0, "minutes", minutes, "0 or more");
        }
    }

    /**
     * How the workers' states are combined after each round.
     *
     * @param reducePartitions reduce tasks that average a round's state, one chunk each; 0: one per 4 MiB of state,
     *                         at most one per worker
     * @param outer            the outer optimizer's step for E, G and D, in that order
     */
    public record Averaging(int reducePartitions, List<OuterStep> outer) {

        public Averaging {
            check(reducePartitions >= 0, "reduce-partitions", reducePartitions, "0 (automatic) or more");
            outer = List.copyOf(outer);
        }

        /** The outer optimizer per network, as recorded: {@code encoder: ..., generator: ..., discriminator: ...}. */
        public String outerDescription() {
            return describe(outer);
        }
    }

    /**
     * The held-out evaluations during training and early stopping.
     *
     * @param every    rounds between held-out evaluations (the last round always has one)
     * @param examples held-out images per evaluation during training (0: all); the final uses all
     * @param patience held-out evaluations (every {@code every} rounds) without a better accuracy after which the
     *                 run stops early; 0: never
     * @param goal     a held-out evaluation reaching this accuracy ends the run; 0: never
     */
    public record Evaluation(int every, long examples, int patience, double goal) {

        public Evaluation {
            check(every >= 1, "eval-every", every, "at least 1");
            check(examples >= 0, "eval-examples", examples, "0 or more");
            check(patience >= 0, "early-stopping.patience", patience, "0 (off) or more");
            check(goal >= 0 && goal <= 1, "early-stopping.goal", goal, "in [0, 1] (0: off)");
        }
    }

    /**
     * How often the run is checkpointed.
     *
     * @param every rounds between checkpoints
     * @param kept  newest checkpoints kept
     */
    public record Checkpoints(int every, int kept) {

        public Checkpoints {
            check(every >= 1, "checkpoint-every", every, "at least 1");
            check(kept >= 1, "checkpoints-kept", kept, "at least 1");
        }
    }

    /**
     * The policies for rounds that fail.
     *
     * @param roundRetries                times a round whose Spark job failed is run again before the run fails
     * @param maxNonFiniteRounds          rounds with a NaN or infinite loss tolerated before the run fails
     * @param nonFiniteLearningRateFactor learning rates are multiplied by this after such a round
     */
    public record Faults(int roundRetries, int maxNonFiniteRounds, double nonFiniteLearningRateFactor) {

        public Faults {
            check(roundRetries >= 0, "round-retries", roundRetries, "0 or more");
            check(maxNonFiniteRounds >= 1, "non-finite.max-rounds", maxNonFiniteRounds, "at least 1");
            check(nonFiniteLearningRateFactor > 0 && nonFiniteLearningRateFactor <= 1,
                    "non-finite.learning-rate-factor", nonFiniteLearningRateFactor, "in (0, 1]");
        }
    }

    public TrainingSettings {
        check(priorImages >= 0, "prior-images", priorImages, "0 or more");
    }

    private static void check(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new JobFailure("vcaps.training." + key + " must be " + expected + ", got " + value);
        }
    }

    /** The settings of a configuration file (null: the defaults); unknown keys and wrong types are refused. */
    public static TrainingSettings load(File conf) {
        String source = conf == null ? "defaults" : conf.getPath();
        try {
            Config c = conf == null ? ConfigChecks.merged(ConfigFactory.empty(), source) : ConfigChecks.load(conf);
            return from(c.getConfig("vcaps.training"), source);
        } catch (IllegalArgumentException e) {
            throw new JobFailure(e.getMessage(), e);
        }
    }

    private static TrainingSettings from(Config t, String source) {
        try {
            return new TrainingSettings(
                    new Schedule(t.getInt("workers"), t.getInt("averaging-frequency"), t.getDouble("epochs"),
                            t.getDouble("minutes")),
                    new Averaging(t.getInt("reduce-partitions"),
                            List.of(outer(t, "encoder"), outer(t, "generator"), outer(t, "discriminator"))),
                    new Evaluation(t.getInt("eval-every"), t.getLong("eval-examples"),
                            t.getInt("early-stopping.patience"), t.getDouble("early-stopping.goal")),
                    new Checkpoints(t.getInt("checkpoint-every"), t.getInt("checkpoints-kept")),
                    new Faults(t.getInt("round-retries"), t.getInt("non-finite.max-rounds"),
                            t.getDouble("non-finite.learning-rate-factor")),
                    t.getLong("prior-images"));
        } catch (ConfigException e) {
            throw new JobFailure("bad configuration " + source + " (vcaps.training): " + e.getMessage(), e);
        }
    }

    private static OuterStep outer(Config t, String network) {
        Config o = t.getConfig("outer." + network);
        try {
            return new OuterStep(o.getBoolean("enabled"), o.getDouble("learning-rate"), o.getDouble("momentum"),
                    o.getBoolean("nesterov"));
        } catch (IllegalArgumentException e) {
            throw new JobFailure("vcaps.training.outer." + network + ": " + e.getMessage(), e);
        }
    }

    /** These settings with the command line's schedule and checkpoint interval replacing theirs where not null. */
    public TrainingSettings with(Integer workers, Integer averagingFrequency, Double epochs, Double minutes,
            Integer checkpointEvery) {
        Schedule s = schedule;
        return new TrainingSettings(new Schedule(workers != null ? workers : s.workers(),
                averagingFrequency != null ? averagingFrequency : s.averagingFrequency(),
                epochs != null ? epochs : s.epochs(), minutes != null ? minutes : s.minutes()), averaging, evaluation,
                new Checkpoints(checkpointEvery != null ? checkpointEvery : checkpoints.every(), checkpoints.kept()),
                faults, priorImages);
    }

    /** As recorded in metrics and checkpoints. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", schedule.workers());
        m.put("averaging_frequency", schedule.averagingFrequency());
        m.put("epochs", schedule.epochs());
        m.put("minutes", schedule.minutes());
        m.put("checkpoint_every", checkpoints.every());
        m.put("eval_every", evaluation.every());
        m.put("eval_examples", evaluation.examples());
        m.put("max_non_finite_rounds", faults.maxNonFiniteRounds());
        m.put("non_finite_learning_rate_factor", faults.nonFiniteLearningRateFactor());
        m.put("prior_images", priorImages);
        m.put("round_retries", faults.roundRetries());
        m.put("early_stopping_patience", evaluation.patience());
        m.put("reduce_partitions", averaging.reducePartitions());
        m.put("early_stopping_goal", evaluation.goal());
        m.put("outer", averaging.outerDescription());
        return m;
    }

    /** The outer steps of E, G and D as recorded. */
    static String describe(List<OuterStep> steps) {
        return "encoder: " + steps.get(0).describe() + "; generator: " + steps.get(1).describe()
                + "; discriminator: " + steps.get(2).describe();
    }
}
