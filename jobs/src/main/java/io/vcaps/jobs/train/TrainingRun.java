package io.vcaps.jobs.train;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ModelShapes;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.averaging.OuterOptimizer;
import io.vcaps.jobs.averaging.OuterStep;
import io.vcaps.jobs.averaging.ParameterAveraging;
import io.vcaps.jobs.averaging.TrainingState;
import io.vcaps.jobs.run.Checkpoint;
import io.vcaps.jobs.run.RunDirectory;
import io.vcaps.spark.JobCommandLine;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.SeparatePaths;
import io.vcaps.spark.WorkerThreads;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * One run of {@code vcaps train}: opens the dataset and RUN_DIR, starts from a fresh model or the newest
 * checkpoint (refusing a resume that would change the arithmetic), and hands the rounds to {@link RoundLoop}, which
 * trains E, G and D by {@link ParameterAveraging}; its {@link RunRecorder} leaves model.zip (the last model), best.zip
 * (the best by held-out accuracy), eval.json, metrics.jsonl and checkpoints behind.
 */
public final class TrainingRun {

    /**
     * What to train: the command line of {@code vcaps train}; null values fall back to the configuration.
     *
     * @param entityNames the dataset's entity names in label order, for a dataset without {@code _vcaps.json}
     */
    public record Request(String data, String output, File conf, Integer workers, Integer averagingFrequency,
            Double epochs, Double minutes, Integer checkpointEvery, boolean resume, List<String> entityNames) {

        /** A request for a dataset with metadata. */
        public Request(String data, String output, File conf, Integer workers, Integer averagingFrequency,
                Double epochs, Double minutes, Integer checkpointEvery, boolean resume) {
            this(data, output, conf, workers, averagingFrequency, epochs, minutes, checkpointEvery, resume, null);
        }
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
        SeparatePaths.check(spark.sparkContext().hadoopConfiguration(), request.output(),
                List.of(SeparatePaths.input("--data", request.data())));
        return run(TrainingData.open(spark, request.data(), request.entityNames()));
    }

    /** A run on {@code data}, however it was read (the request's data path is not read). */
    public Outcome run(TrainingData data) throws IOException {
        TrainingSettings settings = TrainingSettings.load(request.conf()).with(request.workers(),
                request.averagingFrequency(), request.epochs(), request.minutes(), request.checkpointEvery());
        VcnConfig config = loadConfig(request.conf());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        RunDirectory run = RunDirectory.open(spark.sparkContext().hadoopConfiguration(), request.output(),
                request.resume());

        Optional<Resumable> latest = request.resume() ? newestGood(run) : Optional.empty();
        VcnModel master;
        VcnModel best = null;
        Checkpoint resumed = null;
        byte[] outerState = null;
        int workers;
        int frequency;
        if (latest.isPresent()) {
            resumed = latest.get().progress();
            master = latest.get().model();
            best = latest.get().best();
            outerState = latest.get().outer();
            config = master.config();
            workers = resumed.workers();
            frequency = resumed.averagingFrequency();
            checkResumable(resumed, master, data, latest.get().path(), settings);
            console.println("resuming from " + latest.get().path() + " (round " + resumed.rounds() + ", epoch "
                    + String.format(java.util.Locale.ROOT, "%.2f", resumed.epoch())
                    + "); the model configuration is the checkpoint's");
        } else {
            if (request.resume()) {
                console.println("no checkpoint in " + run.root() + ": starting a new run");
            }
            workers = settings.schedule().workers() > 0 ? settings.schedule().workers() : jsc.defaultParallelism();
            frequency = settings.schedule().averagingFrequency();
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
        OuterOptimizer outer = new OuterOptimizer(settings.averaging().outer(), outerState == null ? null
                : TrainingState.of(outerState));
        RoundLoop.Engine engine = engine(settings, config, jsc, master, outer, workers, frequency);
        RunRecorder record = new RunRecorder(settings, config, data, run, master, resumed, best, engine, console);
        return new RoundLoop(settings, config, data, master, resumed, engine, record).run();
    }

    /** A checkpoint read whole: where it is, its progress, its model and the best model it names (or null). */
    private record Resumable(Path path, Checkpoint progress, VcnModel model, VcnModel best, byte[] outer) {
    }

    /**
     * The newest checkpoint whose progress.json, model.zip and the best model it names all read, newest first: one
     * damaged after it was written (a disk fault, a truncated copy) is named on the console and passed over, never
     * loaded; when every checkpoint is damaged the run fails naming them.
     */
    private Optional<Resumable> newestGood(RunDirectory run) throws IOException {
        List<Path> checkpoints = new ArrayList<>(run.checkpoints());
        Collections.reverse(checkpoints);
        List<String> damaged = new ArrayList<>();
        for (Path checkpoint : checkpoints) {
            try {
                Checkpoint progress = run.readProgress(checkpoint);
                VcnModel model = run.readModel(checkpoint);
                VcnModel best = progress.best() == null ? null : run.readBestState(progress.best().round());
                byte[] outer = run.readOuterState(checkpoint).orElse(null);
                return Optional.of(new Resumable(checkpoint, progress, model, best, outer));
            } catch (IOException | RuntimeException e) {
                // The bundle reader's own message says what and where; describe() would give its innermost cause.
                String why = e instanceof IOException && e.getMessage() != null
                        ? e.getClass().getSimpleName() + ": " + e.getMessage() : JobCommandLine.describe(e);
                damaged.add(checkpoint.getName() + " (" + why + ")");
                console.println("checkpoint " + checkpoint + " is damaged and is passed over: " + why);
            }
        }
        if (!damaged.isEmpty()) {
            throw new JobFailure("cannot resume " + run.root() + ": every checkpoint is damaged: "
                    + String.join("; ", damaged));
        }
        return Optional.empty();
    }

    /** The engine of {@code workers} that trains {@code master}'s networks, with its threads per worker planned. */
    private RoundLoop.Engine engine(TrainingSettings settings, VcnConfig config, JavaSparkContext jsc,
            VcnModel master, OuterOptimizer outer, int workers, int frequency) {
        int threads = WorkerThreads.plan(spark.sparkContext(), workers);
        VcnTraining training = new VcnTraining(config, master.shape(), master.entityNames(), master.dataType(),
                UUID.randomUUID().toString(), threads);
        ParameterAveraging<Example> averaging = new ParameterAveraging<>(jsc, training,
                settings.averaging().reducePartitions());
        return new RoundLoop.Engine(averaging, outer, training, workers, frequency);
    }

    private void checkResumable(Checkpoint c, VcnModel model, TrainingData data, Path where,
            TrainingSettings settings) {
        String outer = c.outer() == null ? TrainingSettings.describe(List.of(OuterStep.OFF, OuterStep.OFF,
                OuterStep.OFF)) : c.outer();
        if (!outer.equals(settings.averaging().outerDescription())) {
            throw new JobFailure("checkpoint " + where + " was trained with the outer optimizer " + outer
                    + ", the configuration now says " + settings.averaging().outerDescription()
                    + "; resuming would not continue the same run");
        }
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
