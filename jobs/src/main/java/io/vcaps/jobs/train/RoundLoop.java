package io.vcaps.jobs.train;

import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.EntityPriors;
import io.vcaps.core.vcn.Provenance;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.averaging.Network;
import io.vcaps.jobs.averaging.OuterOptimizer;
import io.vcaps.jobs.averaging.ParameterAveraging;
import io.vcaps.jobs.averaging.Round;
import io.vcaps.jobs.averaging.TrainingState;
import io.vcaps.jobs.run.Best;
import io.vcaps.jobs.run.Checkpoint;
import io.vcaps.jobs.run.FinalEvaluation;
import io.vcaps.jobs.run.MetricsLine;
import io.vcaps.jobs.run.MetricsLog;
import io.vcaps.jobs.run.RunDirectory;
import io.vcaps.spark.JobCommandLine;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rounds of one training run, from a fresh model or a checkpoint to the final outputs. Each concern is a method
 * of its own: the round loop ({@link #run}), a round averaged in ({@link #averagedIn}), the non-finite policy
 * ({@link #notAveragedIn}), the evaluations, checkpoints ({@link #checkpoint}) and the final outputs
 * ({@link #finish}).
 *
 * <p>Resume is exact because everything a round depends on is either in the checkpoint or a function of the round
 * number: the parameters, Adam state and iteration counts are in its model, the rounds done, learning-rate scale and
 * non-finite rounds so far in its {@link Checkpoint} ({@link #progress}), and data order and noise derive from
 * (seed, round, worker) alone. A resumed loop starts from those and takes the same steps as one never interrupted.
 */
final class RoundLoop {

    private final TrainingSettings settings;
    private final VcnConfig config;
    private final TrainingData data;
    private final RunDirectory run;
    private final VcnModel master;
    private final List<Network> masterNetworks;
    private final MetricsLog metrics;
    private final ParameterAveraging<Example> averaging;
    private final OuterOptimizer outer;
    private final VcnTraining training;
    private final PrintStream console;
    private final int workers;
    private final int frequency;
    private final double elapsedBefore;

    private long rounds;
    private double scale;
    private int nonFinite;
    private TrainingState state;
    private Broadcast<TrainingState> current;
    private final BestModel best;
    /** The last round evaluated on the held-out sample (-1: none), and whether it was after the last checkpoint. */
    private long sampled;
    private boolean sampledSinceCheckpoint;

    private long perRound;
    private long trainExamples;
    private long begin;

    /**
     * A loop that continues from {@code resumed} (with {@code resumedBest}, the model its progress names as the
     * best, if any), or starts afresh when it is null.
     */
    RoundLoop(TrainingSettings settings, VcnConfig config, TrainingData data, RunDirectory run, VcnModel master,
            Checkpoint resumed, VcnModel resumedBest, ParameterAveraging<Example> averaging, OuterOptimizer outer,
            VcnTraining training, PrintStream console, int workers, int frequency) throws IOException {
        this.settings = settings;
        this.config = config;
        this.data = data;
        this.run = run;
        this.master = master;
        this.averaging = averaging;
        this.outer = outer;
        this.training = training;
        this.console = console;
        this.workers = workers;
        this.frequency = frequency;
        this.masterNetworks = VcnTraining.networks(master);
        this.rounds = resumed == null ? 0 : resumed.rounds();
        this.scale = resumed == null ? 1.0 : resumed.learningRateScale();
        this.nonFinite = resumed == null ? 0 : resumed.nonFiniteRounds();
        this.elapsedBefore = resumed == null ? 0 : resumed.elapsedSeconds();
        // A resumed run drops the lines of the rounds it trains again.
        this.metrics = MetricsLog.open(run, resumed == null ? -1 : rounds);
        this.state = TrainingState.capture(masterNetworks, scale);
        this.best = resumed == null || resumed.best() == null ? new BestModel(null, null, 0)
                : new BestModel(resumed.best(), TrainingState.capture(VcnTraining.networks(resumedBest), scale),
                        resumed.evaluationsWithoutImprovement());
        this.sampled = resumed == null ? -1 : resumed.evaluatedRound();
    }

    /**
     * Trains round after round until the epochs or the time budget are spent, or the held-out accuracy has stopped
     * improving (early stopping), then writes the final outputs.
     */
    TrainingRun.Outcome run(boolean resumed) throws IOException {
        JavaRDD<Example> shards = data.shards(workers);
        JavaRDD<Example> sample = data.heldOut(settings.evalExamples()).repartition(workers)
                .persist(StorageLevel.MEMORY_AND_DISK());
        RoundHealth health = RoundHealth.attach(shards.context());
        try {
            List<Long> sizes = shards.mapPartitions(it -> {
                long n = 0;
                for (; it.hasNext(); it.next()) {
                    n++;
                }
                return Collections.singletonList(n).iterator();
            }).collect();
            long active = sizes.stream().filter(n -> n > 0).count();
            trainExamples = data.count(DatasetSchema.TRAIN);
            perRound = active * frequency * (long) config.batchSize();
            long totalRounds = Math.max(1, (long) Math.ceil(settings.epochs() * trainExamples / perRound - 1e-9));
            double budget = settings.minutes() * 60;
            ConsoleProgress progress = new ConsoleProgress(console, totalRounds, budget);
            writeStart(sizes, totalRounds, resumed);
            averaging.driverLimits(state.bytes().length, workers).ifPresent(problem -> {
                throw new JobFailure(problem);
            });

            current = averaging.broadcast(state);
            begin = System.nanoTime();
            long checkpointed = rounds;
            double roundSeconds = 0;
            int roundsRun = 0;
            while (rounds < totalRounds) {
                double elapsed = elapsed();
                if (budget > 0 && elapsed >= budget) {
                    stop(MetricsLine.Stopped.TIME_BUDGET, "time budget of " + settings.minutes()
                            + " minutes spent after round " + rounds);
                    break;
                }
                if (best.exhausted(settings.patience())) {
                    stop(MetricsLine.Stopped.EARLY_STOPPING, String.format(Locale.ROOT, "early stopping after round"
                            + " %d: %d held-out evaluations without a better %s than %.4f (round %d);"
                            + " vcaps.training.early-stopping.patience = %d", rounds, best.withoutImprovement(),
                            best.best().measure(), best.best().value(), best.best().round(), settings.patience()));
                    break;
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
                    notAveragedIn(result, attempts.health(), epoch());
                    rebroadcast();
                    continue;
                }
                rounds++;
                elapsed = elapsed();
                double epoch = epoch();
                averagedIn(result, attempts.health(), epoch, elapsed);
                progress.round(rounds, epoch, result, roundSeconds / roundsRun, elapsed);
                rebroadcast();

                boolean last = rounds >= totalRounds || (budget > 0 && elapsed >= budget);
                boolean goal = false;
                if (!last && rounds % settings.evalEvery() == 0) {
                    goal = reachesGoal(evaluateOnSample(shards, sample, progress));
                }
                if (goal) {
                    stop(MetricsLine.Stopped.GOAL, String.format(Locale.ROOT, "goal reached after round %d: held-out"
                            + " %s %.4f >= vcaps.training.early-stopping.goal = %s", rounds, best.best().measure(),
                            best.best().value(), settings.goal()));
                    break;
                }
                // The last round's checkpoint comes after its evaluations, with the best they leave (finish).
                if (!last && rounds % settings.checkpointEvery() == 0) {
                    checkpoint(epoch);
                    checkpointed = rounds;
                }
            }
            // The last state competes for the best on the same sample as every evaluation before it.
            if (sampled != rounds && settings.evalExamples() != 0) {
                evaluateOnSample(shards, sample, progress);
            }
            // Fitted first: the final evaluation decides presence by the thresholds the bundle will carry.
            PriorFit.Fitted priors = fitPriors(shards, current, "the entity priors", Provenance.Selection.LAST);
            JavaRDD<Example> heldOut = settings.evalExamples() == 0 ? sample : data.heldOut(0).repartition(workers);
            describe(shards, "vcaps train: final held-out evaluation after round " + rounds);
            HeldOutEvaluation.Result result = HeldOutEvaluation.run(heldOut, current, training, data.multiLabel(),
                    priors == null ? null : priors.thresholds());
            metrics.write(evalLine(result, epoch(), true));
            progress.evaluation(rounds, result, true);
            if (sampled != rounds && settings.evalExamples() == 0) {
                best.offer(rounds, result, state, periodic());
                sampled = rounds;
                sampledSinceCheckpoint = true;
            }
            PriorFit.Fitted bestPriors = priors;
            // A best of this round holds this round's state, so its priors are the last model's.
            if (best.best().round() != rounds) {
                Broadcast<TrainingState> b = averaging.broadcast(best.state());
                try {
                    bestPriors = fitPriors(shards, b, "the entity priors of the best model (round "
                            + best.best().round() + ")", Provenance.Selection.BEST);
                } finally {
                    b.destroy();
                }
            }
            describe(shards, null);
            return finish(result, checkpointed != rounds || sampledSinceCheckpoint, priors, bestPriors);
        } finally {
            health.close();
            if (current != null) {
                current.destroy();
            }
            shards.unpersist(false);
            sample.unpersist(false);
        }
    }

    private boolean reachesGoal(HeldOutEvaluation.Result e) {
        return settings.goal() > 0 && e.selected() >= settings.goal();
    }

    /** Evaluates the current state on the held-out sample, writes its {@code eval} line and offers it as the best. */
    private HeldOutEvaluation.Result evaluateOnSample(JavaRDD<Example> shards, JavaRDD<Example> sample,
            ConsoleProgress progress) throws IOException {
        describe(shards, "vcaps train: held-out evaluation after round " + rounds);
        HeldOutEvaluation.Result e = HeldOutEvaluation.run(sample, current, training, data.multiLabel());
        metrics.write(evalLine(e, epoch(), false));
        boolean better = best.offer(rounds, e, state, periodic());
        sampled = rounds;
        sampledSinceCheckpoint = true;
        progress.evaluation(rounds, e, false);
        progress.note(better ? "  the best so far"
                : String.format(Locale.ROOT, "  best %s %.4f after round %d; %d evaluation(s) without"
                        + " improvement", best.best().measure(), best.best().value(), best.best().round(),
                        best.withoutImprovement()));
        return e;
    }

    /**
     * Whether this round's evaluation counts towards early stopping: one every {@code eval-every} rounds, also when
     * it is the last round's, so that a run ended by its epochs and resumed counts as one never interrupted; the
     * extra evaluation of a last round between two of them competes for the best alone.
     */
    private boolean periodic() {
        return rounds % settings.evalEvery() == 0;
    }

    /** Writes the {@code stop} line and says why on the console. */
    private void stop(String reason, String message) throws IOException {
        console.println(message);
        metrics.write(new MetricsLine.Stopped(rounds, reason, message, best.best(), best.withoutImprovement()));
    }

    /**
     * Entity priors of {@code model} and, on multi-label data, its presence thresholds, fitted on the executors to a
     * sample of the train split; null when off. A {@code priors} line names the entities whose prior rests on fewer
     * than 2 images, as the console does.
     */
    private PriorFit.Fitted fitPriors(JavaRDD<Example> train, Broadcast<TrainingState> model, String what,
            String which) throws IOException {
        if (settings.priorImages() == 0) {
            return null;
        }
        describe(train, "vcaps train: fitting " + what);
        long start = System.nanoTime();
        PriorFit.Fitted fitted = PriorFit.run(train, trainExamples, settings.priorImages(),
                config.seed(), model, training, master.entities(), master.latentDim(), data.multiLabel(),
                config.presenceThreshold());
        EntityPriors priors = fitted.priors();
        long images = 0;
        for (int k = 0; k < priors.entities(); k++) {
            images += priors.count(k);
        }
        console.println(String.format(Locale.ROOT, "fitted %s to %d capsules of train images in %.1f s, and the"
                + " priors of %d pairs of entities that at least %d of them show together", what, images,
                (System.nanoTime() - start) / 1e9, priors.sets().size(), EntityPriors.minimumSetImages(priors.dim())));
        Map<String, Long> sparse = priors.sparse(master.entityNames());
        metrics.write(new MetricsLine.Priors(rounds, which, images, sparse));
        if (!sparse.isEmpty()) {
            console.println("note: " + what + " of " + sparse + " (entity: images) rest on fewer than 2 images: one"
                    + " image's posterior, or N(0, I) for none; the bundle's provenance and metrics.jsonl name them"
                    + " (sparse_priors), and generate refuses an entity with none unless --standard-prior");
        }
        if (fitted.thresholds() != null) {
            console.println("presence thresholds tau_k (nats) fitted on the same images: "
                    + fitted.thresholds().describe(master.entityNames()));
        }
        return fitted;
    }

    /**
     * Round {@code rounds + 1}, run again from the same broadcast state when its Spark job fails (a task out of its
     * retries: an executor lost again and again, a disk full): a round is a function of (state, round, worker,
     * shard), so a retry trains exactly what the failed attempt would have. {@code round-retries} tries after the
     * first, each a {@code retry} line.
     */
    private Attempts roundWithRetries(JavaRDD<Example> shards, RoundHealth health) throws IOException {
        MetricsLine.SparkHealth seen = MetricsLine.SparkHealth.NONE;
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            String id = health.begin(rounds + 1, attempt);
            Round round = null;
            Exception failure = null;
            try {
                round = averaging.round(shards, current, rounds, frequency);
            } catch (Exception e) {
                failure = e;
            }
            double seconds = round3((System.nanoTime() - started) / 1e9);
            seen = seen.plus(taken(health, id));
            if (failure == null) {
                return new Attempts(round, seen);
            }
            if (failure instanceof JobFailure f) {
                throw f;
            }
            String error = JobCommandLine.describe(failure);
            if (attempt > settings.roundRetries()) {
                throw new JobFailure("round " + (rounds + 1) + " failed in attempt " + attempt
                        + ", the last that vcaps.training.round-retries = " + settings.roundRetries()
                        + " allows: " + error, failure);
            }
            metrics.write(new MetricsLine.Retry(rounds + 1, attempt, error, seconds));
            console.println("round " + (rounds + 1) + ": attempt " + attempt + " failed after " + seconds
                    + " s (" + error + "); running it again from the state of round " + rounds);
        }
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
        current = averaging.broadcast(state);
        previous.destroy();
    }

    /** Names the Spark jobs that follow in the Spark UI (null: no name), so that each round can be found there. */
    private static void describe(JavaRDD<Example> rdd, String what) {
        rdd.context().setJobDescription(what);
    }

    private double elapsed() {
        return (System.nanoTime() - begin) / 1e9;
    }

    private double epoch() {
        return rounds * (double) perRound / trainExamples;
    }

    /** The {@code start} line and the console's first line: the run's shape and settings. */
    private void writeStart(List<Long> sizes, long totalRounds, boolean resumed) throws IOException {
        int threads = training.threads();
        Map<String, Object> start = new LinkedHashMap<>();
        start.put("train_examples", trainExamples);
        start.put("held_out_examples", data.count(DatasetSchema.TEST));
        start.put("shard_sizes", sizes);
        start.put("batch_size", config.batchSize());
        start.put("seed", config.seed());
        start.put("examples_per_round", perRound);
        start.put("total_rounds", totalRounds);
        start.putAll(settings.describe());
        start.put("workers", workers);
        start.put("averaging_frequency", frequency);
        start.put("state_bytes", state.bytes().length);
        start.put("reduce_chunks", averaging.chunks(state.bytes().length, workers));
        start.put("threads_per_worker", threads);
        start.put("resumed", resumed);
        start.put("model", "last");
        Map<String, Long> other = data.otherSplits();
        start.put(MetricsLine.OTHER_SPLITS, other);
        metrics.write(new MetricsLine.Start(rounds, data.id(), start));
        console.println(String.format(Locale.ROOT,
                "vcaps train: %d workers (shards %s, %s threads each) x %d steps x %d images a round; %d rounds ="
                        + " %.2f epochs of %d images; %s", workers, sizes, threads == 0 ? "default" : threads,
                frequency, config.batchSize(), totalRounds,
                totalRounds * (double) perRound / trainExamples, trainExamples, run.root()));
        if (!other.isEmpty()) {
            console.println("note: " + other.values().stream().mapToLong(Long::longValue).sum() + " rows of "
                    + data.path() + " are in splits other than train and test " + other + " (split: rows): neither"
                    + " trained on nor evaluated; metrics.jsonl's start line names them (" + MetricsLine.OTHER_SPLITS
                    + ")");
        }
    }

    /**
     * A round whose workers all stayed finite: its average is the new state, or, with an outer optimizer, the outer
     * step from the state the round started from.
     */
    private void averagedIn(Round result, MetricsLine.SparkHealth health, double epoch, double elapsed)
            throws IOException {
        state = outer.step(state, result.averaged());
        metrics.write(new MetricsLine.Rounds(rounds, stats(result, health, epoch), round3(elapsedBefore + elapsed)));
    }

    /**
     * The non-finite policy: a round in which any worker's loss or parameters became NaN or infinite is not averaged
     * in. The last good state stays, every learning rate is multiplied by {@code non-finite.learning-rate-factor},
     * a {@code non_finite} line says so, and the same round runs again: its minibatches are a function of (seed,
     * round, worker), so the retry trains on exactly the examples the failed attempt had, at the lower rate, and no
     * minibatch is left out. The run fails at the {@code non-finite.max-rounds}-th such round.
     */
    private void notAveragedIn(Round result, MetricsLine.SparkHealth health, double epoch) throws IOException {
        long round = rounds + 1;
        nonFinite++;
        scale *= settings.nonFiniteLearningRateFactor();
        state = state.withLearningRateScale(scale);
        metrics.write(new MetricsLine.NonFinite(round, stats(result, health, epoch), result.nonFiniteWorkers(),
                nonFinite,
                "not averaged in; kept the state of round " + rounds + "; learning rates scaled to " + scale
                        + " of the configured ones; the round runs again on the same minibatches"));
        console.println("round " + round + ": a loss or parameter became NaN or infinite on worker(s) "
                + result.nonFiniteWorkers() + "; round not averaged in, learning rates now x" + scale
                + " (" + nonFinite + " of " + settings.maxNonFiniteRounds() + " such rounds allowed); running it"
                + " again on the same minibatches");
        if (nonFinite >= settings.maxNonFiniteRounds()) {
            throw new JobFailure("training diverged: round " + round + " was the " + nonFinite
                    + (nonFinite == 1 ? "st" : nonFinite == 2 ? "nd" : nonFinite == 3 ? "rd" : "th")
                    + " round with a NaN or infinite loss or parameter (vcaps.training.non-finite.max-rounds"
                    + " = " + settings.maxNonFiniteRounds() + "); lower the learning rates in the"
                    + " configuration (" + run.latestCheckpoint().map(p -> "newest checkpoint: " + p)
                    .orElse("no checkpoint was written") + "; see " + run.root() + "/"
                    + RunDirectory.METRICS + ")");
        }
    }

    /** Where the run stands: with the model, everything a resumed run needs to continue exactly. */
    private Checkpoint progress(double epoch) {
        return new Checkpoint(rounds, epoch, rounds * perRound, scale, nonFinite, workers, frequency,
                config.batchSize(), config.seed(), data.id(), round3(elapsedBefore + elapsed()),
                Instant.now().toString(), best.best(), best.withoutImprovement(), sampled, settings.outerDescription());
    }

    /**
     * Writes the current state as a checkpoint and a {@code checkpoint} line, and the best model its progress names
     * unless it is kept already: a resumed run continues with the same best.
     */
    private void checkpoint(double epoch) throws IOException {
        Checkpoint progress = progress(epoch);
        if (best.best() != null && !run.hasBestState(best.best().round())) {
            run.writeBestState(withState(best.state(), best.best().round(), null), best.best().round());
        }
        byte[] outerState = outer.momentum() == null ? null : outer.momentum().bytes();
        Path written = run.writeCheckpoint(withState(state, progress.rounds(), null), outerState, progress,
                settings.checkpointsKept());
        sampledSinceCheckpoint = false;
        metrics.write(new MetricsLine.Checkpointed(progress.rounds(), written.toString(), progress.epoch()));
    }

    private static VcnModel fitted(VcnModel model, PriorFit.Fitted fitted) {
        return fitted == null ? model : model.withPriors(fitted.priors()).withThresholds(fitted.thresholds());
    }

    /** The driver's model holding {@code values}, its provenance saying {@code after} rounds and {@code which}. */
    private VcnModel withState(TrainingState values, long after, Provenance.Selection which) {
        values.applyValuesTo(masterNetworks);
        master.setProvenance(master.provenance().afterRounds(Math.toIntExact(after))
                .trainedOn(data.id(), data.counts()).selected(which));
        return master;
    }

    /**
     * The final outputs: a last checkpoint unless this round has one, model.zip (the last model), best.zip (the best
     * by the held-out measure that selects), each with the entity priors fitted to it when there are any, and
     * eval.json.
     */
    private TrainingRun.Outcome finish(HeldOutEvaluation.Result result, boolean needsCheckpoint,
            PriorFit.Fitted priors, PriorFit.Fitted bestPriors) throws IOException {
        double epoch = epoch();
        if (needsCheckpoint) {
            checkpoint(epoch);
        }
        Best b = best.best();
        VcnModel last = withState(state, rounds, best.selection(Provenance.Selection.LAST));
        run.writeAtomically(RunDirectory.MODEL, out -> ModelBundle.write(fitted(last, priors), out));
        VcnModel most = withState(best.state(), b.round(), best.selection(Provenance.Selection.BEST));
        run.writeAtomically(RunDirectory.BEST, out -> ModelBundle.write(fitted(most, bestPriors), out));
        boolean multi = result.multiLabel() != null;
        run.writeEvaluation(new FinalEvaluation(round3(epoch), multi ? null : result.accuracy(),
                multi ? result.multiLabel().report(last.entityNames()) : null, result.reconstructionError(),
                result.examples(), rounds, Provenance.Selection.LAST, data.id(), DatasetSchema.TEST, b.round(),
                b.measure(), b.value(), b.examples()));
        console.println(String.format(Locale.ROOT, "wrote %s/%s (the last model, round %d), %s (the best: round %d,"
                        + " held-out %s %.4f on %d images) and %s", run.root(), RunDirectory.MODEL, rounds,
                RunDirectory.BEST, b.round(), b.measure(), b.value(), b.examples(), RunDirectory.EVAL));
        return new TrainingRun.Outcome(rounds, epoch, result, run.root().toString());
    }

    private MetricsLine.RoundStats stats(Round r, MetricsLine.SparkHealth health, double epoch) {
        return new MetricsLine.RoundStats(round3(epoch), r.totals().examples(), r.workers().size(),
                r.totals().means(), round3(r.imagesPerSecond()), round3(r.seconds()), round3(r.overheadSeconds()),
                scale, health);
    }

    private MetricsLine.Eval evalLine(HeldOutEvaluation.Result e, double epoch, boolean last) {
        return new MetricsLine.Eval(rounds, round3(epoch), e.measures(), e.reconstructionError(), e.examples(), last);
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
