package io.vcaps.jobs.train;

import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.EntityPriors;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.averaging.Network;
import io.vcaps.jobs.averaging.ParameterAveraging;
import io.vcaps.jobs.averaging.Round;
import io.vcaps.jobs.averaging.TrainingState;
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

    private long perRound;
    private long trainExamples;
    private long begin;

    /** A loop that continues from {@code resumed}, or starts afresh when it is null. */
    RoundLoop(TrainingSettings settings, VcnConfig config, TrainingData data, RunDirectory run, VcnModel master,
            Checkpoint resumed, ParameterAveraging<Example> averaging, VcnTraining training, PrintStream console,
            int workers, int frequency) throws IOException {
        this.settings = settings;
        this.config = config;
        this.data = data;
        this.run = run;
        this.master = master;
        this.averaging = averaging;
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
    }

    /** Trains round after round until the epochs or the time budget are spent, then writes the final outputs. */
    TrainingRun.Outcome run(boolean resumed) throws IOException {
        JavaRDD<Example> shards = data.shards(workers);
        JavaRDD<Example> sample = data.heldOut(settings.evalExamples()).repartition(workers)
                .persist(StorageLevel.MEMORY_AND_DISK());
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

            current = averaging.broadcast(state);
            begin = System.nanoTime();
            long checkpointed = rounds;
            double roundSeconds = 0;
            int roundsRun = 0;
            while (rounds < totalRounds) {
                double elapsed = elapsed();
                if (budget > 0 && elapsed >= budget) {
                    console.println("time budget of " + settings.minutes() + " minutes spent after round " + rounds);
                    break;
                }
                describe(shards, "vcaps train: round " + (rounds + 1) + " of " + totalRounds);
                Round result = roundWithRetries(shards);
                rounds++;
                roundSeconds += result.seconds();
                roundsRun++;
                elapsed = elapsed();
                double epoch = epoch();
                if (result.isUsable()) {
                    averagedIn(result, epoch, elapsed);
                    progress.round(rounds, epoch, result, roundSeconds / roundsRun, elapsed);
                } else if (!result.nonFiniteWorkers().isEmpty()) {
                    notAveragedIn(result, epoch);
                } else {
                    throw new JobFailure("round " + rounds + ": no worker had training examples");
                }
                Broadcast<TrainingState> previous = current;
                current = averaging.broadcast(state);
                previous.destroy();

                boolean last = rounds >= totalRounds || (budget > 0 && elapsed >= budget);
                if (!last && rounds % settings.evalEvery() == 0) {
                    describe(shards, "vcaps train: held-out evaluation after round " + rounds);
                    HeldOutEvaluation.Result e = HeldOutEvaluation.run(sample, current, training, data.multiLabel());
                    metrics.write(evalLine(e, epoch, false));
                    progress.evaluation(rounds, e, false);
                }
                if (rounds % settings.checkpointEvery() == 0) {
                    checkpoint(epoch);
                    checkpointed = rounds;
                }
            }
            JavaRDD<Example> heldOut = settings.evalExamples() == 0 ? sample : data.heldOut(0).repartition(workers);
            describe(shards, "vcaps train: final held-out evaluation after round " + rounds);
            HeldOutEvaluation.Result result = HeldOutEvaluation.run(heldOut, current, training, data.multiLabel());
            metrics.write(evalLine(result, epoch(), true));
            progress.evaluation(rounds, result, true);
            describe(shards, "vcaps train: fitting the entity priors");
            EntityPriors priors = settings.priorImages() == 0 ? null : fitPriors(shards);
            describe(shards, null);
            return finish(result, checkpointed != rounds, priors);
        } finally {
            if (current != null) {
                current.destroy();
            }
            shards.unpersist(false);
            sample.unpersist(false);
        }
    }

    /** The entity priors of the final state, fitted on the executors to a sample of the train split. */
    private EntityPriors fitPriors(JavaRDD<Example> train) {
        long start = System.nanoTime();
        EntityPriors priors = PriorFit.run(train, trainExamples, settings.priorImages(),
                config.seed(), current, training, master.entities(), master.latentDim());
        long images = 0;
        for (int k = 0; k < priors.entities(); k++) {
            images += priors.count(k);
        }
        console.println(String.format(Locale.ROOT, "fitted the entity priors to %d capsules of train images in %.1f s",
                images, (System.nanoTime() - start) / 1e9));
        return priors;
    }

    /**
     * Round {@code rounds + 1}, run again from the same broadcast state when its Spark job fails (a task out of its
     * retries: an executor lost again and again, a disk full): a round is a function of (state, round, worker,
     * shard), so a retry trains exactly what the failed attempt would have. {@code round-retries} tries after the
     * first, each a {@code retry} line.
     */
    private Round roundWithRetries(JavaRDD<Example> shards) throws IOException {
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            try {
                return averaging.round(shards, current, rounds, frequency);
            } catch (JobFailure e) {
                throw e;
            } catch (Exception e) {
                String error = JobCommandLine.describe(e);
                if (attempt > settings.roundRetries()) {
                    throw new JobFailure("round " + (rounds + 1) + " failed in attempt " + attempt
                            + ", the last that vcaps.training.round-retries = " + settings.roundRetries()
                            + " allows: " + error, e);
                }
                double seconds = round3((System.nanoTime() - started) / 1e9);
                metrics.write(new MetricsLine.Retry(rounds + 1, attempt, error, seconds));
                console.println("round " + (rounds + 1) + ": attempt " + attempt + " failed after " + seconds
                        + " s (" + error + "); running it again from the state of round " + rounds);
            }
        }
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
        start.put("threads_per_worker", threads);
        start.put("resumed", resumed);
        start.put("model", "last");
        metrics.write(new MetricsLine.Start(rounds, data.id(), start));
        console.println(String.format(Locale.ROOT,
                "vcaps train: %d workers (shards %s, %s threads each) x %d steps x %d images a round; %d rounds ="
                        + " %.2f epochs of %d images; %s", workers, sizes, threads == 0 ? "default" : threads,
                frequency, config.batchSize(), totalRounds,
                totalRounds * (double) perRound / trainExamples, trainExamples, run.root()));
    }

    /** A round whose workers all stayed finite: its average is the new state. */
    private void averagedIn(Round result, double epoch, double elapsed) throws IOException {
        state = result.averaged();
        metrics.write(new MetricsLine.Rounds(rounds, stats(result, epoch), round3(elapsedBefore + elapsed)));
    }

    /**
     * The non-finite policy: a round in which any worker's loss or parameters became NaN or infinite is not averaged
     * in. The last good state stays, every learning rate is multiplied by {@code non-finite.learning-rate-factor},
     * a {@code non_finite} line says so, and the run fails at the {@code non-finite.max-rounds}-th such round.
     */
    private void notAveragedIn(Round result, double epoch) throws IOException {
        nonFinite++;
        scale *= settings.nonFiniteLearningRateFactor();
        state = state.withLearningRateScale(scale);
        metrics.write(new MetricsLine.NonFinite(rounds, stats(result, epoch), result.nonFiniteWorkers(), nonFinite,
                "not averaged in; kept the state of round " + (rounds - 1) + "; learning rates scaled to " + scale
                        + " of the configured ones"));
        console.println("round " + rounds + ": a loss or parameter became NaN or infinite on worker(s) "
                + result.nonFiniteWorkers() + "; round not averaged in, learning rates now x" + scale
                + " (" + nonFinite + " of " + settings.maxNonFiniteRounds() + " such rounds allowed)");
        if (nonFinite >= settings.maxNonFiniteRounds()) {
            throw new JobFailure("training diverged: round " + rounds + " was the " + nonFinite
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
                Instant.now().toString());
    }

    /** Writes the current state as a checkpoint and a {@code checkpoint} line. */
    private void checkpoint(double epoch) throws IOException {
        Checkpoint progress = progress(epoch);
        state.applyValuesTo(masterNetworks);
        master.setProvenance(master.provenance().afterRounds(Math.toIntExact(progress.rounds()))
                .trainedOn(data.id(), data.counts()));
        Path written = run.writeCheckpoint(master, progress, settings.checkpointsKept());
        metrics.write(new MetricsLine.Checkpointed(progress.rounds(), written.toString(), progress.epoch()));
    }

    /**
     * The final outputs: a last checkpoint unless this round has one, model.zip (the last model, with its fitted
     * entity priors when there are any) and eval.json.
     */
    private TrainingRun.Outcome finish(HeldOutEvaluation.Result result, boolean needsCheckpoint, EntityPriors priors)
            throws IOException {
        double epoch = epoch();
        state.applyValuesTo(masterNetworks);
        master.setProvenance(master.provenance().afterRounds(Math.toIntExact(rounds))
                .trainedOn(data.id(), data.counts()));
        if (needsCheckpoint) {
            checkpoint(epoch);
        }
        run.writeAtomically(RunDirectory.MODEL, out -> ModelBundle.write(master.withPriors(priors), out));
        run.writeEvaluation(new FinalEvaluation(round3(epoch), result.accuracy(), result.reconstructionError(),
                result.examples(), rounds, "last", data.id(), DatasetSchema.TEST));
        console.println("wrote " + run.root() + "/" + RunDirectory.MODEL + " (the last model) and "
                + RunDirectory.EVAL);
        return new TrainingRun.Outcome(rounds, epoch, result, run.root().toString());
    }

    private MetricsLine.RoundStats stats(Round r, double epoch) {
        return new MetricsLine.RoundStats(round3(epoch), r.totals().examples(), r.workers().size(),
                r.totals().means(), round3(r.imagesPerSecond()), round3(r.seconds()), round3(r.overheadSeconds()),
                scale);
    }

    private MetricsLine.Eval evalLine(HeldOutEvaluation.Result e, double epoch, boolean last) {
        return new MetricsLine.Eval(rounds, round3(epoch), e.accuracy(), e.reconstructionError(), e.examples(), last);
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
