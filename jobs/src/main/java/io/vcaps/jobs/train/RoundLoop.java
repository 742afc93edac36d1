package io.vcaps.jobs.train;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.Provenance;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.averaging.OuterOptimizer;
import io.vcaps.jobs.averaging.ParameterAveraging;
import io.vcaps.jobs.averaging.Round;
import io.vcaps.jobs.averaging.TrainingState;
import io.vcaps.jobs.run.Best;
import io.vcaps.jobs.run.Checkpoint;
import io.vcaps.jobs.run.MetricsLine;
import io.vcaps.spark.JobCommandLine;
import io.vcaps.spark.JobFailure;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The rounds of one training run, from a fresh model or a checkpoint to the final outputs: the round loop
 * ({@link #train}), its retry policy for a round whose Spark job failed ({@link #roundWithRetries}), its non-finite
 * policy ({@link #notAveragedIn}) and the last state's evaluations and priors ({@link #finish}). A
 * {@link RunRecorder} writes down what happens: metrics, checkpoints, the best model and the final outputs.
 *
 * <p>Resume is exact because everything a round depends on is either in the checkpoint or a function of the round
 * number: the parameters, Adam state and iteration counts are in its model, the rounds done, learning-rate scale and
 * non-finite rounds so far in its {@link Checkpoint}, and data order and noise derive from (seed, round, worker)
 * alone. A resumed loop starts from those and takes the same steps as one never interrupted.
 */
final class RoundLoop {

    /**
     * What runs the rounds.
     *
     * @param workers   parallel workers, one shard of the train split each
     * @param frequency local steps per worker between two averagings
     */
    record Engine(ParameterAveraging<Example> averaging, OuterOptimizer outer, VcnTraining training, int workers,
            int frequency) {
    }

    private final TrainingSettings settings;
    private final VcnConfig config;
    private final TrainingData data;
    private final VcnModel master;
    private final Engine engine;
    private final RunRecorder record;

    private long rounds;
    private double scale;
    private int nonFinite;
    private TrainingState state;
    private Broadcast<TrainingState> current;
    private long trainExamples;
    private long begin;

    /** A loop that continues from {@code resumed}, or starts afresh from {@code master} when it is null. */
    RoundLoop(TrainingSettings settings, VcnConfig config, TrainingData data, VcnModel master, Checkpoint resumed,
            Engine engine, RunRecorder record) {
        this.settings = settings;
        this.config = config;
        this.data = data;
        this.master = master;
        this.engine = engine;
        this.record = record;
        this.rounds = resumed == null ? 0 : resumed.rounds();
        this.scale = resumed == null ? 1.0 : resumed.learningRateScale();
        this.nonFinite = resumed == null ? 0 : resumed.nonFiniteRounds();
        this.state = TrainingState.capture(VcnTraining.networks(master), scale);
    }

    /**
     * Trains round after round until the epochs or the time budget are spent, the held-out accuracy has stopped
     * improving (early stopping) or reached the goal, then writes the final outputs.
     */
    TrainingRun.Outcome run() throws IOException {
        JavaRDD<Example> shards = data.shards(engine.workers());
        JavaRDD<Example> sample = data.heldOut(settings.evaluation().examples()).repartition(engine.workers())
                .persist(StorageLevel.MEMORY_AND_DISK());
        RoundHealth health = RoundHealth.attach(shards.context());
        try {
            RunRecorder.Shape shape = shape(shards);
            record.start(shape, at(0));
            engine.averaging().driverLimits(state.bytes().length, engine.workers()).ifPresent(problem -> {
                throw new JobFailure(problem);
            });
            current = engine.averaging().broadcast(state);
            begin = System.nanoTime();
            train(shards, sample, health, shape.totalRounds());
            return finish(shards, sample);
        } finally {
            health.close();
            if (current != null) {
                current.destroy();
            }
            shards.unpersist(false);
            sample.unpersist(false);
        }
    }

    private void train(JavaRDD<Example> shards, JavaRDD<Example> sample, RoundHealth health, long totalRounds)
            throws IOException {
        double budget = settings.schedule().minutes() * 60;
        double roundSeconds = 0;
        int roundsRun = 0;
        while (rounds < totalRounds) {
            double elapsed = elapsed();
            if (budget > 0 && elapsed >= budget) {
                record.stop(rounds, MetricsLine.Stopped.TIME_BUDGET, "time budget of "
                        + settings.schedule().minutes() + " minutes spent after round " + rounds);
                return;
            }
            if (record.best().exhausted(settings.evaluation().patience())) {
                record.stop(rounds, MetricsLine.Stopped.EARLY_STOPPING, earlyStopping());
                return;
            }
            describe(shards, "vcaps train: round " + (rounds + 1) + " of " + totalRounds);
            Attempts attempts = roundWithRetries(shards, health);
            Round result = attempts.round();
            roundSeconds += result.seconds();
            roundsRun++;
            if (!result.isUsable()) {
                if (result.nonFiniteWorkers().isEmpty()) {
                    throw new JobFailure("round " + (rounds + 1) + ": no worker had training examples");
                }
                notAveragedIn(result, attempts.health());
                rebroadcast();
                continue;
            }
            // With an outer optimizer the new state is its step from this round's start towards the average.
            rounds++;
            elapsed = elapsed();
            state = engine.outer().step(state, result.averaged());
            record.averagedIn(at(elapsed), result, attempts.health(), roundSeconds / roundsRun);
            rebroadcast();
            boolean last = rounds >= totalRounds || (budget > 0 && elapsed >= budget);
            if (!last && rounds % settings.evaluation().every() == 0 && reachesGoal(evaluateOnSample(shards, sample))) {
                record.stop(rounds, MetricsLine.Stopped.GOAL, goalReached());
                return;
            }
            // The last round's checkpoint comes after its evaluations, with the best they leave (finish).
            if (!last && rounds % settings.checkpoints().every() == 0) {
                record.checkpoint(at(elapsed()));
            }
        }
    }

    /**
     * Round {@code rounds + 1}, run again from the same broadcast state when its Spark job fails (a task out of its
     * retries: an executor lost again and again, a disk full): a round is a function of (state, round, worker,
     * shard), so a retry trains exactly what the failed attempt would have. {@code round-retries} tries after the
     * first, each a {@code retry} line.
     */
    private Attempts roundWithRetries(JavaRDD<Example> shards, RoundHealth health) throws IOException {
        int retries = settings.faults().roundRetries();
        MetricsLine.SparkHealth seen = MetricsLine.SparkHealth.NONE;
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            String id = health.begin(rounds + 1, attempt);
            Round round = null;
            Exception failure = null;
            try {
                round = engine.averaging().round(shards, current, rounds, engine.frequency());
            } catch (Exception e) {
                failure = e;
            }
            double seconds = RunRecorder.round3((System.nanoTime() - started) / 1e9);
            seen = seen.plus(taken(health, id));
            if (failure == null) {
                return new Attempts(round, seen);
            }
            if (failure instanceof JobFailure f) {
                throw f;
            }
            String error = JobCommandLine.describe(failure);
            if (attempt > retries) {
                throw new JobFailure("round " + (rounds + 1) + " failed in attempt " + attempt
                        + ", the last that vcaps.training.round-retries = " + retries + " allows: " + error, failure);
            }
            record.retry(rounds, attempt, error, seconds);
        }
    }

    /**
     * The non-finite policy: a round in which any worker's loss or parameters became NaN or infinite is not averaged
     * in. The last good state stays, every learning rate is multiplied by {@code non-finite.learning-rate-factor},
     * a {@code non_finite} line says so, and the same round runs again: its minibatches are a function of (seed,
     * round, worker), so the retry trains on exactly the examples the failed attempt had, at the lower rate, and no
     * minibatch is left out. The run fails at the {@code non-finite.max-rounds}-th such round.
     */
    private void notAveragedIn(Round result, MetricsLine.SparkHealth health) throws IOException {
        int max = settings.faults().maxNonFiniteRounds();
        nonFinite++;
        scale *= settings.faults().nonFiniteLearningRateFactor();
        state = state.withLearningRateScale(scale);
        record.notAveragedIn(at(elapsed()), result, health);
        if (nonFinite >= max) {
            throw new JobFailure("training diverged: round " + (rounds + 1) + " was the " + nonFinite
                    + (nonFinite == 1 ? "st" : nonFinite == 2 ? "nd" : nonFinite == 3 ? "rd" : "th")
                    + " round with a NaN or infinite loss or parameter (vcaps.training.non-finite.max-rounds = "
                    + max + "); lower the learning rates in the configuration (" + record.evidence() + ")");
        }
    }

    /**
     * After the last round: its state competes for the best on the same sample as every evaluation before it, its
     * priors and presence thresholds are fitted before the final evaluation (which decides presence by the
     * thresholds the bundle will carry), and the best model's priors after it; then the final outputs.
     */
    private TrainingRun.Outcome finish(JavaRDD<Example> shards, JavaRDD<Example> sample) throws IOException {
        long examples = settings.evaluation().examples();
        if (!record.evaluated(rounds) && examples != 0) {
            evaluateOnSample(shards, sample);
        }
        PriorFit.Fitted priors = fitPriors(shards, current, "the entity priors", Provenance.Selection.LAST);
        JavaRDD<Example> heldOut = examples == 0 ? sample : data.heldOut(0).repartition(engine.workers());
        describe(shards, "vcaps train: final held-out evaluation after round " + rounds);
        HeldOutEvaluation.Result result = HeldOutEvaluation.run(heldOut, current, engine.training(),
                data.multiLabel(), priors == null ? null : priors.thresholds());
        record.finalEvaluation(at(elapsed()), result);
        PriorFit.Fitted bestPriors = priors;
        // A best of this round holds this round's state, so its priors are the last model's.
        long bestRound = record.best().best().round();
        if (bestRound != rounds) {
            Broadcast<TrainingState> b = engine.averaging().broadcast(record.best().state());
            try {
                bestPriors = fitPriors(shards, b, "the entity priors of the best model (round " + bestRound + ")",
                        Provenance.Selection.BEST);
            } finally {
                b.destroy();
            }
        }
        describe(shards, null);
        return record.finish(at(elapsed()), result, priors, bestPriors);
    }

    /** The shard sizes, and what they make of a round and of the run. */
    private RunRecorder.Shape shape(JavaRDD<Example> shards) {
        List<Long> sizes = shards.mapPartitions(it -> {
            long n = 0;
            for (; it.hasNext(); it.next()) {
                n++;
            }
            return Collections.singletonList(n).iterator();
        }).collect();
        long active = sizes.stream().filter(n -> n > 0).count();
        trainExamples = data.count(DatasetSchema.TRAIN);
        long perRound = active * engine.frequency() * (long) config.batchSize();
        long totalRounds = Math.max(1, (long) Math.ceil(settings.schedule().epochs() * trainExamples / perRound
                - 1e-9));
        return new RunRecorder.Shape(sizes, trainExamples, perRound, totalRounds);
    }

    private String earlyStopping() {
        Best best = record.best().best();
        return String.format(Locale.ROOT, "early stopping after round %d: %d held-out evaluations without a better"
                + " %s than %.4f (round %d); vcaps.training.early-stopping.patience = %d", rounds,
                record.best().withoutImprovement(), best.measure(), best.value(), best.round(),
                settings.evaluation().patience());
    }

    private boolean reachesGoal(HeldOutEvaluation.Result e) {
        return settings.evaluation().goal() > 0 && e.selected() >= settings.evaluation().goal();
    }

    private String goalReached() {
        Best best = record.best().best();
        return String.format(Locale.ROOT, "goal reached after round %d: held-out %s %.4f >="
                + " vcaps.training.early-stopping.goal = %s", rounds, best.measure(), best.value(),
                settings.evaluation().goal());
    }

    /** Evaluates the current state on the held-out sample; the recorder offers it as the best. */
    private HeldOutEvaluation.Result evaluateOnSample(JavaRDD<Example> shards, JavaRDD<Example> sample)
            throws IOException {
        describe(shards, "vcaps train: held-out evaluation after round " + rounds);
        HeldOutEvaluation.Result e = HeldOutEvaluation.run(sample, current, engine.training(), data.multiLabel());
        record.sampleEvaluation(at(elapsed()), e);
        return e;
    }

    /**
     * Entity priors of {@code model} and, on multi-label data, its presence thresholds, fitted on the executors to a
     * sample of the train split; null when off.
     */
    private PriorFit.Fitted fitPriors(JavaRDD<Example> train, Broadcast<TrainingState> model, String what,
            String which) throws IOException {
        if (settings.priorImages() == 0) {
            return null;
        }
        describe(train, "vcaps train: fitting " + what);
        long start = System.nanoTime();
        PriorFit.Fitted fitted = PriorFit.run(train, trainExamples, settings.priorImages(), config.seed(), model,
                engine.training(), master.entities(), master.latentDim(), data.multiLabel(),
                config.presenceThreshold());
        record.priors(rounds, what, which, fitted, (System.nanoTime() - start) / 1e9);
        return fitted;
    }

    /** A round and what Spark went through in all its attempts. */
    private record Attempts(Round round, MetricsLine.SparkHealth health) {
    }

    private static MetricsLine.SparkHealth taken(RoundHealth health, String attempt) {
        try {
            return health.take(attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobFailure("interrupted while counting the Spark task failures of round attempt " + attempt, e);
        }
    }

    /** Sends the current state to the executors for the next round and drops the previous broadcast. */
    private void rebroadcast() {
        Broadcast<TrainingState> previous = current;
        current = engine.averaging().broadcast(state);
        previous.destroy();
    }

    /** Names the Spark jobs that follow in the Spark UI (null: no name), so that each round can be found there. */
    private static void describe(JavaRDD<Example> rdd, String what) {
        rdd.context().setJobDescription(what);
    }

    private RunRecorder.Position at(double elapsed) {
        return new RunRecorder.Position(rounds, state, scale, nonFinite, elapsed);
    }

    private double elapsed() {
        return (System.nanoTime() - begin) / 1e9;
    }
}
