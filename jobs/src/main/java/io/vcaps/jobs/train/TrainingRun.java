package io.vcaps.jobs.train;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ModelShapes;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.etl.DatasetSchema;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One run of {@code vcaps train}: opens the dataset and RUN_DIR, starts from a fresh model or the newest
 * checkpoint, trains E, G and D by {@link ParameterAveraging} round after round until the epochs or the time budget
 * are spent, and leaves model.zip (the last model, not the best), eval.json, metrics.jsonl and checkpoints behind.
 * A round with a non-finite loss or parameter is not averaged in: the last good state stays, every learning rate is
 * scaled down, a {@code non_finite} line says so, and the run fails at the configured number of such rounds.
 */
public final class TrainingRun {

    /** What to train: the command line of {@code vcaps train}; null values fall back to the configuration. */
    public record Request(String data, String output, File conf, Integer workers, Integer averagingFrequency,
            Double epochs, Double minutes, Integer checkpointEvery, boolean resume) {
    }

    /** What a finished run achieved. */
    public record Outcome(long rounds, double epoch, HeldOutEvaluation.Result evaluation, String runDirectory) {
    }

    private final SparkSession spark;
    private final Request request;
    private final PrintStream console;

    public TrainingRun(SparkSession spark, Request request, PrintStream console) {
        this.spark = spark;
        this.request = request;
        this.console = console;
    }

    public Outcome run() throws IOException {
        TrainingSettings settings = TrainingSettings.load(request.conf()).with(request.workers(),
                request.averagingFrequency(), request.epochs(), request.minutes(), request.checkpointEvery());
        VcnConfig config = loadConfig(request.conf());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TrainingData data = TrainingData.open(spark, request.data());
        RunDirectory run = RunDirectory.open(spark.sparkContext().hadoopConfiguration(), request.output(),
                request.resume());

        Optional<Path> latest = request.resume() ? run.latestCheckpoint() : Optional.empty();
        VcnModel master;
        Checkpoint resumed = null;
        int workers;
        int frequency;
        if (latest.isPresent()) {
            resumed = run.readProgress(latest.get());
            master = run.readModel(latest.get());
            config = master.config();
            workers = resumed.workers();
            frequency = resumed.averagingFrequency();
            checkResumable(resumed, master, data, latest.get());
            console.println("resuming from " + latest.get() + " (round " + resumed.rounds() + ", epoch "
                    + String.format(java.util.Locale.ROOT, "%.2f", resumed.epoch())
                    + "); the model configuration is the checkpoint's");
        } else {
            if (request.resume()) {
                console.println("no checkpoint in " + run.root() + ": starting a new run");
            }
            workers = settings.workers() > 0 ? settings.workers() : jsc.defaultParallelism();
            frequency = settings.averagingFrequency();
            try {
                ModelShapes.check(config, data.shape());
            } catch (IllegalArgumentException e) {
                throw new JobFailure("dataset " + data.path() + " has " + e.getMessage(), e);
            }
            try {
                master = VcnModel.create(config, data.shape(), data.entities(), DataType.FLOAT);
            } catch (RuntimeException e) {
                throw new JobFailure("configuration " + source(request.conf()) + " cannot build a model for the "
                        + data.shape() + " images of " + data.path() + ": " + e.getMessage(), e);
            }
        }
        return train(settings, config, jsc, data, run, master, resumed, workers, frequency);
    }

    private Outcome train(TrainingSettings settings, VcnConfig config, JavaSparkContext jsc, TrainingData data,
            RunDirectory run, VcnModel master, Checkpoint resumed, int workers, int frequency) throws IOException {
        List<Network> masterNetworks = VcnTraining.networks(master);
        long rounds = resumed == null ? 0 : resumed.rounds();
        double scale = resumed == null ? 1.0 : resumed.learningRateScale();
        int nonFinite = resumed == null ? 0 : resumed.nonFiniteRounds();
        double elapsedBefore = resumed == null ? 0 : resumed.elapsedSeconds();
        MetricsLog metrics = MetricsLog.open(run, resumed == null ? -1 : rounds);
        TrainingState state = TrainingState.capture(masterNetworks, scale);

        JavaRDD<Example> shards = data.shards(workers);
        JavaRDD<Example> sample = data.heldOut(settings.evalExamples()).repartition(workers)
                .persist(StorageLevel.MEMORY_AND_DISK());
        int threads = WorkerThreads.plan(spark.sparkContext(), workers);
        VcnTraining training = new VcnTraining(config, master.shape(), master.entityNames(), master.dataType(),
                UUID.randomUUID().toString(), threads);
        ParameterAveraging<Example> averaging = new ParameterAveraging<>(jsc, training, settings.aggregationDepth());
        Broadcast<TrainingState> current = null;
        try {
            List<Long> sizes = shards.mapPartitions(it -> {
                long n = 0;
                for (; it.hasNext(); it.next()) {
                    n++;
                }
                return Collections.singletonList(n).iterator();
            }).collect();
            long active = sizes.stream().filter(n -> n > 0).count();
            long train = data.count(DatasetSchema.TRAIN);
            long perRound = active * frequency * (long) config.batchSize();
            long totalRounds = Math.max(1, (long) Math.ceil(settings.epochs() * train / perRound - 1e-9));
            double budget = settings.minutes() * 60;
            ConsoleProgress progress = new ConsoleProgress(console, totalRounds, budget);

            Map<String, Object> start = new LinkedHashMap<>();
            start.put("dataset", data.id());
            start.put("train_examples", train);
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
            start.put("resumed", resumed != null);
            start.put("model", "last");
            metrics.write("start", rounds, start);
            console.println(String.format(java.util.Locale.ROOT,
                    "vcaps train: %d workers (shards %s, %s threads each) x %d steps x %d images a round; %d rounds ="
                            + " %.2f epochs of %d images; %s", workers, sizes, threads == 0 ? "default" : threads,
                    frequency, config.batchSize(), totalRounds,
                    totalRounds * (double) perRound / train, train, run.root()));

            current = averaging.broadcast(state);
            long begin = System.nanoTime();
            long checkpointed = rounds;
            double roundSeconds = 0;
            int roundsRun = 0;
            while (rounds < totalRounds) {
                double elapsed = (System.nanoTime() - begin) / 1e9;
                if (budget > 0 && elapsed >= budget) {
                    console.println("time budget of " + settings.minutes() + " minutes spent after round " + rounds);
                    break;
                }
                Round result = averaging.round(shards, current, rounds, frequency);
                rounds++;
                roundSeconds += result.seconds();
                roundsRun++;
                elapsed = (System.nanoTime() - begin) / 1e9;
                double epoch = rounds * (double) perRound / train;
                if (result.isUsable()) {
                    state = result.averaged();
                    Map<String, Object> fields = roundFields(result, epoch, scale);
                    fields.put("elapsed_s", round3(elapsedBefore + elapsed));
                    metrics.write("round", rounds, fields);
                    progress.round(rounds, epoch, result, roundSeconds / roundsRun, elapsed);
                } else if (!result.nonFiniteWorkers().isEmpty()) {
                    nonFinite++;
                    scale *= settings.nonFiniteLearningRateFactor();
                    state = state.withLearningRateScale(scale);
                    Map<String, Object> fields = roundFields(result, epoch, scale);
                    fields.put("non_finite_workers", result.nonFiniteWorkers());
                    fields.put("non_finite_rounds", nonFinite);
                    fields.put("action", "not averaged in; kept the state of round " + (rounds - 1)
                            + "; learning rates scaled to " + scale + " of the configured ones");
                    metrics.write("non_finite", rounds, fields);
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
                } else {
                    throw new JobFailure("round " + rounds + ": no worker had training examples");
                }
                Broadcast<TrainingState> previous = current;
                current = averaging.broadcast(state);
                previous.destroy();

                boolean last = rounds >= totalRounds || (budget > 0 && elapsed >= budget);
                if (!last && rounds % settings.evalEvery() == 0) {
                    HeldOutEvaluation.Result e = HeldOutEvaluation.run(sample, current, training, data.multiLabel());
                    metrics.write("eval", rounds, evalFields(e, epoch, false));
                    progress.evaluation(rounds, e, false);
                }
                if (rounds % settings.checkpointEvery() == 0) {
                    checkpoint(run, master, masterNetworks, state, data, metrics, settings,
                            progress(rounds, epoch, perRound, scale, nonFinite, workers, frequency, config, data,
                                    elapsedBefore + (System.nanoTime() - begin) / 1e9));
                    checkpointed = rounds;
                }
            }

            double epoch = rounds * (double) perRound / train;
            JavaRDD<Example> heldOut = settings.evalExamples() == 0 ? sample : data.heldOut(0).repartition(workers);
            HeldOutEvaluation.Result result = HeldOutEvaluation.run(heldOut, current, training, data.multiLabel());
            metrics.write("eval", rounds, evalFields(result, epoch, true));
            progress.evaluation(rounds, result, true);
            state.applyValuesTo(masterNetworks);
            master.setProvenance(master.provenance().afterRounds(Math.toIntExact(rounds))
                    .trainedOn(data.id(), data.counts()));
            if (checkpointed != rounds) {
                checkpoint(run, master, masterNetworks, state, data, metrics, settings,
                        progress(rounds, epoch, perRound, scale, nonFinite, workers, frequency, config, data,
                                elapsedBefore + (System.nanoTime() - begin) / 1e9));
            }
            run.writeAtomically(RunDirectory.MODEL, out -> io.vcaps.core.bundle.ModelBundle.write(master, out));
            Map<String, Object> eval = evalFields(result, epoch, true);
            eval.remove("final");
            eval.put("round", rounds);
            eval.put("model", "last");
            eval.put("dataset", data.id());
            eval.put("split", DatasetSchema.TEST);
            run.writeAtomically(RunDirectory.EVAL, out -> RunDirectory.JSON.writerWithDefaultPrettyPrinter()
                    .writeValue(out, eval));
            console.println("wrote " + run.root() + "/" + RunDirectory.MODEL + " (the last model) and "
                    + RunDirectory.EVAL);
            return new Outcome(rounds, epoch, result, run.root().toString());
        } finally {
            if (current != null) {
                current.destroy();
            }
            shards.unpersist(false);
            sample.unpersist(false);
        }
    }

    private Checkpoint progress(long rounds, double epoch, long perRound, double scale, int nonFinite, int workers,
            int frequency, VcnConfig config, TrainingData data, double elapsed) {
        return new Checkpoint(rounds, epoch, rounds * perRound, scale, nonFinite, workers, frequency,
                config.batchSize(), config.seed(), data.id(), round3(elapsed), Instant.now().toString());
    }

    private static void checkpoint(RunDirectory run, VcnModel master, List<Network> masterNetworks,
            TrainingState state, TrainingData data, MetricsLog metrics, TrainingSettings settings, Checkpoint progress)
            throws IOException {
        state.applyValuesTo(masterNetworks);
        master.setProvenance(master.provenance().afterRounds(Math.toIntExact(progress.rounds()))
                .trainedOn(data.id(), data.counts()));
        Path written = run.writeCheckpoint(master, progress, settings.checkpointsKept());
        metrics.write("checkpoint", progress.rounds(), Map.of("path", written.toString(), "epoch", progress.epoch()));
    }

    private static Map<String, Object> roundFields(Round r, double epoch, double scale) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("epoch", round3(epoch));
        f.put("examples", r.totals().examples());
        f.put("workers", r.workers().size());
        f.putAll(r.totals().means());
        f.put("images_per_s", round3(r.imagesPerSecond()));
        f.put("seconds", round3(r.seconds()));
        f.put("overhead_s", round3(r.overheadSeconds()));
        f.put("learning_rate_scale", scale);
        return f;
    }

    private static Map<String, Object> evalFields(HeldOutEvaluation.Result e, double epoch, boolean last) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("epoch", round3(epoch));
        f.put("accuracy", e.accuracy());
        f.put("reconstruction_error", e.reconstructionError());
        f.put("examples", e.examples());
        f.put("final", last);
        return f;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private void checkResumable(Checkpoint c, VcnModel model, TrainingData data, Path where) {
        if (request.workers() != null && request.workers() != c.workers()) {
            throw new JobFailure("checkpoint " + where + " was trained by " + c.workers() + " workers; resuming with "
                    + request.workers() + " would not continue the same run (leave out --workers)");
        }
        if (request.averagingFrequency() != null && request.averagingFrequency() != c.averagingFrequency()) {
            throw new JobFailure("checkpoint " + where + " was trained with averaging frequency "
                    + c.averagingFrequency() + ", not " + request.averagingFrequency()
                    + " (leave out --averaging-frequency)");
        }
        if (!model.shape().equals(data.shape()) || !model.entityNames().equals(data.entities())) {
            throw new JobFailure("checkpoint " + where + " is a model of " + model.shape() + " images of "
                    + model.entityNames() + ", but dataset " + data.path() + " has " + data.shape() + " images of "
                    + data.entities());
        }
        if (!c.dataset().equals(data.id())) {
            console.println("note: the checkpoint was trained on " + c.dataset() + ", this run reads " + data.id());
        }
    }

    private static VcnConfig loadConfig(File conf) {
        try {
            return conf == null ? VcnConfig.defaults() : VcnConfig.load(conf);
        } catch (IllegalArgumentException e) {
            throw new JobFailure(e.getMessage(), e);
        }
    }

    private static String source(File conf) {
        return conf == null ? "(defaults)" : conf.getPath();
    }
}
