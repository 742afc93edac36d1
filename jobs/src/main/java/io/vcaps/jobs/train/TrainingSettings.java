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
 * reference.conf, documented in conf/mnist-small.conf) with command-line overrides. Batch size and seed are the
 * model configuration's ({@link VcnConfig#batchSize()}, {@link VcnConfig#seed()}).
 *
 * @param workers                     parallel workers (partitions of the train split); 0: Spark's default parallelism
 * @param averagingFrequency          local steps per worker between two averagings
 * @param epochs                      passes over the train split (fractions allowed)
 * @param minutes                     wall-clock budget of this run; 0: none
 * @param checkpointEvery             rounds between checkpoints
 * @param checkpointsKept             newest checkpoints kept
 * @param evalEvery                   rounds between held-out evaluations (the last round always has one)
 * @param evalExamples                held-out images per evaluation during training (0: all); the final uses all
 * @param reducePartitions            reduce tasks that average a round's state, one chunk each; 0: one per 4 MiB of
 *                                    state, at most one per worker
 * @param maxNonFiniteRounds          rounds with a NaN or infinite loss tolerated before the run fails
 * @param nonFiniteLearningRateFactor learning rates are multiplied by this after such a round
 * @param priorImages                 train images the model's entity priors are fitted to after the last round
 *                                    (0: none, synthesis samples N(0, I))
 * @param roundRetries                times a round whose Spark job failed is run again before the run fails
 * @param patience                    held-out evaluations (every {@code evalEvery} rounds) without a better
 *                                    accuracy after which the run stops early; 0: never
 * @param outer                       the outer optimizer's step for E, G and D, in that order
 * @param goal                        a held-out evaluation reaching this accuracy ends the run; 0: never
 */
public record TrainingSettings(int workers, int averagingFrequency, double epochs, double minutes, int checkpointEvery,
        int checkpointsKept, int evalEvery, long evalExamples, int reducePartitions, int maxNonFiniteRounds,
        double nonFiniteLearningRateFactor, long priorImages, int roundRetries, int patience, List<OuterStep> outer,
        double goal) {

    public TrainingSettings {
        check(workers >= 0, "workers", workers, "0 or more");
        check(averagingFrequency >= 1, "averaging-frequency", averagingFrequency, "at least 1");
        check(epochs > 0, "epochs", epochs, "positive");
        check(minutes >= 0, "minutes", minutes, "0 or more");
        check(checkpointEvery >= 1, "checkpoint-every", checkpointEvery, "at least 1");
        check(checkpointsKept >= 1, "checkpoints-kept", checkpointsKept, "at least 1");
        check(evalEvery >= 1, "eval-every", evalEvery, "at least 1");
        check(evalExamples >= 0, "eval-examples", evalExamples, "0 or more");
        check(reducePartitions >= 0, "reduce-partitions", reducePartitions, "0 (automatic) or more");
        outer = List.copyOf(outer);
        check(goal >= 0 && goal <= 1, "early-stopping.goal", goal, "in [0, 1] (0: off)");
        check(maxNonFiniteRounds >= 1, "non-finite.max-rounds", maxNonFiniteRounds, "at least 1");
        check(nonFiniteLearningRateFactor > 0 && nonFiniteLearningRateFactor <= 1, "non-finite.learning-rate-factor",
                nonFiniteLearningRateFactor, "in (0, 1]");
        check(priorImages >= 0, "prior-images", priorImages, "0 or more");
        check(roundRetries >= 0, "round-retries", roundRetries, "0 or more");
        check(patience >= 0, "early-stopping.patience", patience, "0 (off) or more");
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
            return new TrainingSettings(t.getInt("workers"), t.getInt("averaging-frequency"), t.getDouble("epochs"),
                    t.getDouble("minutes"), t.getInt("checkpoint-every"), t.getInt("checkpoints-kept"),
                    t.getInt("eval-every"), t.getLong("eval-examples"), t.getInt("reduce-partitions"),
                    t.getInt("non-finite.max-rounds"), t.getDouble("non-finite.learning-rate-factor"),
                    t.getLong("prior-images"), t.getInt("round-retries"), t.getInt("early-stopping.patience"),
                    List.of(outer(t, "encoder"), outer(t, "generator"), outer(t, "discriminator")),
                    t.getDouble("early-stopping.goal"));
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

    /** These settings with the given values replacing theirs where not null. */
    public TrainingSettings with(Integer newWorkers, Integer newFrequency, Double newEpochs, Double newMinutes,
            Integer newCheckpointEvery) {
        return new TrainingSettings(newWorkers != null ? newWorkers : workers,
                newFrequency != null ? newFrequency : averagingFrequency, newEpochs != null ? newEpochs : epochs,
                newMinutes != null ? newMinutes : minutes,
                newCheckpointEvery != null ? newCheckpointEvery : checkpointEvery, checkpointsKept, evalEvery,
                evalExamples, reducePartitions, maxNonFiniteRounds, nonFiniteLearningRateFactor, priorImages,
                roundRetries, patience, outer, goal);
    }

    /** As recorded in metrics and checkpoints. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", workers);
        m.put("averaging_frequency", averagingFrequency);
        m.put("epochs", epochs);
        m.put("minutes", minutes);
        m.put("checkpoint_every", checkpointEvery);
        m.put("eval_every", evalEvery);
        m.put("eval_examples", evalExamples);
        m.put("max_non_finite_rounds", maxNonFiniteRounds);
        m.put("non_finite_learning_rate_factor", nonFiniteLearningRateFactor);
        m.put("prior_images", priorImages);
        m.put("round_retries", roundRetries);
        m.put("early_stopping_patience", patience);
        m.put("reduce_partitions", reducePartitions);
        m.put("early_stopping_goal", goal);
        m.put("outer", outerDescription());
        return m;
    }

    /** The outer optimizer per network, as recorded: {@code encoder: ..., generator: ..., discriminator: ...}. */
    public String outerDescription() {
        return describe(outer);
    }

    /** The outer steps of E, G and D as recorded. */
    static String describe(List<OuterStep> steps) {
        return "encoder: " + steps.get(0).describe() + "; generator: " + steps.get(1).describe()
                + "; discriminator: " + steps.get(2).describe();
    }
}
