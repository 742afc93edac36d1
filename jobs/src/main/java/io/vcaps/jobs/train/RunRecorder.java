package io.vcaps.jobs.train;

import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.EntityPriors;
import io.vcaps.core.vcn.Networks;
import io.vcaps.core.vcn.Provenance;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.averaging.Network;
import io.vcaps.jobs.averaging.Round;
import io.vcaps.jobs.averaging.TrainingState;
import io.vcaps.jobs.run.Best;
import io.vcaps.jobs.run.Checkpoint;
import io.vcaps.jobs.run.FinalEvaluation;
import io.vcaps.jobs.run.MetricsLine;
import io.vcaps.jobs.run.MetricsLog;
import io.vcaps.jobs.run.RunDirectory;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The record a training run leaves in its RUN_DIR and on the console: metrics.jsonl's lines, the console's, the
 * checkpoints, the best model by the held-out measure that selects, and the final outputs model.zip, best.zip and
 * eval.json. {@link RoundLoop} decides what happens; this says so and keeps what a resumed run needs to continue
 * exactly (the best model, the round last evaluated, whether the last round has a checkpoint).
 */
final class RunRecorder {

    /** The routing kernels' path on this CPU: training builds float32 networks (TrainingRun). */
    private static final String ROUTING = Networks.routingPath(DataType.FLOAT);

    /**
     * Where the loop stands: the rounds averaged in, the state the next round starts from, its learning-rate scale,
     * the non-finite rounds so far and the seconds this session has trained.
     */
    record Position(long rounds, TrainingState state, double scale, int nonFinite, double elapsed) {
    }

    /**
     * What the run trains on each round.
     *
     * @param shardSizes    training examples per worker
     * @param trainExamples images of the train split
     * @param perRound      images trained on per round by all workers together
     * @param totalRounds   rounds of the whole run
     */
    record Shape(List<Long> shardSizes, long trainExamples, long perRound, long totalRounds) {
    }

    private final TrainingSettings settings;
    private final VcnConfig config;
    private final TrainingData data;
    private final RunDirectory run;
    private final VcnModel master;
    private final List<Network> masterNetworks;
    private final RoundLoop.Engine engine;
    private final PrintStream console;
    private final MetricsLog metrics;
    private final BestModel best;
    private final double elapsedBefore;
    private final boolean resumed;

    /** The last round evaluated on the held-out sample (-1: none), and whether it was after the last checkpoint. */
    private long sampled;
    private boolean sampledSinceCheckpoint;
    private long checkpointed;
    private Shape shape;
    private ConsoleProgress progress;

    /**
     * The record of a run that continues from {@code resumed} (with {@code resumedBest}, the model its progress
     * names as the best, if any), or starts afresh when it is null. A resumed run drops the lines of the rounds it
     * trains again.
     */
    RunRecorder(TrainingSettings settings, VcnConfig config, TrainingData data, RunDirectory run, VcnModel master,
            Checkpoint resumed, VcnModel resumedBest, RoundLoop.Engine engine, PrintStream console)
            throws IOException {
        this.settings = settings;
        this.config = config;
        this.data = data;
        this.run = run;
        this.master = master;
        this.masterNetworks = VcnTraining.networks(master);
        this.engine = engine;
        this.console = console;
        this.metrics = MetricsLog.open(run, resumed == null ? -1 : resumed.rounds());
        this.best = resumed == null || resumed.best() == null ? new BestModel(null, null, 0)
                : new BestModel(resumed.best(), TrainingState.capture(VcnTraining.networks(resumedBest),
                        resumed.learningRateScale()), resumed.evaluationsWithoutImprovement());
        this.sampled = resumed == null ? -1 : resumed.evaluatedRound();
        this.checkpointed = resumed == null ? 0 : resumed.rounds();
        this.elapsedBefore = resumed == null ? 0 : resumed.elapsedSeconds();
        this.resumed = resumed != null;
    }

    /** The {@code start} line and the console's first line: the run's shape and settings. */
    void start(Shape s, Position at) throws IOException {
        this.shape = s;
        this.progress = new ConsoleProgress(console, s.totalRounds(), settings.schedule().minutes() * 60);
        int threads = engine.training().threads();
        int workers = engine.workers();
        int stateBytes = at.state().bytes().length;
        Map<String, Object> start = new LinkedHashMap<>();
        start.put("train_examples", s.trainExamples());
        start.put("held_out_examples", data.count(DatasetSchema.TEST));
        start.put("shard_sizes", s.shardSizes());
        start.put("batch_size", config.batchSize());
        start.put("seed", config.seed());
        start.put("examples_per_round", s.perRound());
        start.put("total_rounds", s.totalRounds());
        start.putAll(settings.describe());
        start.put("workers", workers);
        start.put("averaging_frequency", engine.frequency());
        start.put("state_bytes", stateBytes);
        start.put("reduce_chunks", engine.averaging().chunks(stateBytes, workers));
        start.put("threads_per_worker", threads);
        start.put("resumed", resumed);
        start.put("model", "last");
        start.put("routing", ROUTING);
        Map<String, Long> other = data.otherSplits();
        start.put(MetricsLine.OTHER_SPLITS, other);
        metrics.write(new MetricsLine.Start(at.rounds(), data.id(), start));
        console.println(String.format(Locale.ROOT,
                "vcaps train: %d workers (shards %s, %s threads each) x %d steps x %d images a round; %d rounds ="
                        + " %.2f epochs of %d images; routing in %s; %s", workers, s.shardSizes(),
                threads == 0 ? "default" : threads, engine.frequency(), config.batchSize(), s.totalRounds(),
                epoch(s.totalRounds()), s.trainExamples(), ROUTING, run.root()));
        if (!other.isEmpty()) {
            console.println("note: " + other.values().stream().mapToLong(Long::longValue).sum() + " rows of "
                    + data.path() + " are in splits other than train and test " + other + " (split: rows): neither"
                    + " trained on nor evaluated; metrics.jsonl's start line names them (" + MetricsLine.OTHER_SPLITS
                    + ")");
        }
    }

    /** The {@code rounds} line of a round averaged in and its console line. */
    void averagedIn(Position at, Round result, MetricsLine.SparkHealth health, double secondsPerRound)
            throws IOException {
        double epoch = epoch(at.rounds());
        metrics.write(new MetricsLine.Rounds(at.rounds(), stats(result, health, epoch, at.scale()),
                round3(elapsedBefore + at.elapsed())));
        progress.round(at.rounds(), epoch, result, secondsPerRound, at.elapsed());
    }

    /** The {@code non_finite} line of the round after {@code at} and why it runs again, on the console too. */
    void notAveragedIn(Position at, Round result, MetricsLine.SparkHealth health) throws IOException {
        long round = at.rounds() + 1;
        double scale = at.scale();
        metrics.write(new MetricsLine.NonFinite(round, stats(result, health, epoch(at.rounds()), scale),
                result.nonFiniteWorkers(), at.nonFinite(),
                "not averaged in; kept the state of round " + at.rounds() + "; learning rates scaled to " + scale
                        + " of the configured ones; the round runs again on the same minibatches"));
        console.println("round " + round + ": a loss or parameter became NaN or infinite on worker(s) "
                + result.nonFiniteWorkers() + "; round not averaged in, learning rates now x" + scale
                + " (" + at.nonFinite() + " of " + settings.faults().maxNonFiniteRounds() + " such rounds allowed);"
                + " running it again on the same minibatches");
    }

    /** Where to look after a failure: the newest checkpoint and metrics.jsonl. */
    String evidence() throws IOException {
        return run.latestCheckpoint().map(p -> "newest checkpoint: " + p).orElse("no checkpoint was written")
                + "; see " + run.root() + "/" + RunDirectory.METRICS;
    }

    /** The {@code retry} line of a failed attempt at the round after {@code rounds}, and its console line. */
    void retry(long rounds, int attempt, String error, double seconds) throws IOException {
        metrics.write(new MetricsLine.Retry(rounds + 1, attempt, error, seconds));
        console.println("round " + (rounds + 1) + ": attempt " + attempt + " failed after " + seconds
                + " s (" + error + "); running it again from the state of round " + rounds);
    }

    /** Writes the {@code stop} line and says why on the console. */
    void stop(long rounds, String reason, String message) throws IOException {
        console.println(message);
        metrics.write(new MetricsLine.Stopped(rounds, reason, message, best.best(), best.withoutImprovement()));
    }

    /** The best model so far and the early-stopping count. */
    BestModel best() {
        return best;
    }

    /** Whether the state of {@code rounds} has been evaluated on the held-out sample. */
    boolean evaluated(long rounds) {
        return sampled == rounds;
    }

    /** Writes the {@code eval} line of an evaluation on the held-out sample and offers its state as the best. */
    void sampleEvaluation(Position at, HeldOutEvaluation.Result e) throws IOException {
        long rounds = at.rounds();
        metrics.write(evalLine(rounds, e, false));
        boolean better = best.offer(rounds, e, at.state(), periodic(rounds));
        sampled = rounds;
        sampledSinceCheckpoint = true;
        progress.evaluation(rounds, e, false);
        progress.note(better ? "  the best so far"
                : String.format(Locale.ROOT, "  best %s %.4f after round %d; %d evaluation(s) without"
                        + " improvement", best.best().measure(), best.best().value(), best.best().round(),
                        best.withoutImprovement()));
    }

    /**
     * Writes the {@code eval} line of the final evaluation on the whole held-out split. Without a sample
     * ({@code eval-examples = 0}) it is the evaluation the last state competes for the best in.
     */
    void finalEvaluation(Position at, HeldOutEvaluation.Result e) throws IOException {
        long rounds = at.rounds();
        metrics.write(evalLine(rounds, e, true));
        progress.evaluation(rounds, e, true);
        if (sampled != rounds && settings.evaluation().examples() == 0) {
            best.offer(rounds, e, at.state(), periodic(rounds));
            sampled = rounds;
            sampledSinceCheckpoint = true;
        }
    }

    /**
     * Whether this round's evaluation counts towards early stopping: one every {@code eval-every} rounds, also when
     * it is the last round's, so that a run ended by its epochs and resumed counts as one never interrupted; the
     * extra evaluation of a last round between two of them competes for the best alone.
     */
    private boolean periodic(long rounds) {
        return rounds % settings.evaluation().every() == 0;
    }

    /**
     * Says what {@code fitted} holds after {@code rounds}: a {@code priors} line naming the entities whose prior
     * rests on fewer than 2 images, as the console does, and the presence thresholds when there are any.
     */
    void priors(long rounds, String what, String which, PriorFit.Fitted fitted, double seconds) throws IOException {
        EntityPriors priors = fitted.priors();
        long images = 0;
        for (int k = 0; k < priors.entities(); k++) {
            images += priors.count(k);
        }
        console.println(String.format(Locale.ROOT, "fitted %s to %d capsules of train images in %.1f s, and the"
                + " priors of %d pairs of entities that at least %d of them show together", what, images,
                seconds, priors.sets().size(), EntityPriors.minimumSetImages(priors.dim())));
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
    }

    /**
     * Writes {@code at} as a checkpoint and a {@code checkpoint} line, and the best model its progress names unless
     * it is kept already: a resumed run continues with the same best.
     */
    void checkpoint(Position at) throws IOException {
        Checkpoint progress = progress(at);
        if (best.best() != null && !run.hasBestState(best.best().round())) {
            run.writeBestState(withState(best.state(), best.best().round(), null), best.best().round());
        }
        byte[] outerState = engine.outer().momentum() == null ? null : engine.outer().momentum().bytes();
        Path written = run.writeCheckpoint(withState(at.state(), progress.rounds(), null), outerState, progress,
                settings.checkpoints().kept());
        checkpointed = at.rounds();
        sampledSinceCheckpoint = false;
        metrics.write(new MetricsLine.Checkpointed(progress.rounds(), written.toString(), progress.epoch()));
    }

    /** Where the run stands: with the model, everything a resumed run needs to continue exactly. */
    private Checkpoint progress(Position at) {
        long rounds = at.rounds();
        return new Checkpoint(rounds, epoch(rounds), rounds * shape.perRound(), at.scale(), at.nonFinite(),
                engine.workers(), engine.frequency(), config.batchSize(), config.seed(), data.id(),
                round3(elapsedBefore + at.elapsed()), Instant.now().toString(), best.best(),
                best.withoutImprovement(), sampled, settings.averaging().outerDescription());
    }

    /**
     * The final outputs: a last checkpoint unless this round has one, model.zip (the last model), best.zip (the best
     * by the held-out measure that selects), each with the entity priors fitted to it when there are any, and
     * eval.json.
     */
    TrainingRun.Outcome finish(Position at, HeldOutEvaluation.Result result, PriorFit.Fitted priors,
            PriorFit.Fitted bestPriors) throws IOException {
        long rounds = at.rounds();
        double epoch = epoch(rounds);
        if (checkpointed != rounds || sampledSinceCheckpoint) {
            checkpoint(at);
        }
        Best b = best.best();
        VcnModel last = withState(at.state(), rounds, best.selection(Provenance.Selection.LAST));
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

    private double epoch(long rounds) {
        return rounds * (double) shape.perRound() / shape.trainExamples();
    }

    private static MetricsLine.RoundStats stats(Round r, MetricsLine.SparkHealth health, double epoch,
            double scale) {
        return new MetricsLine.RoundStats(round3(epoch), r.totals().examples(), r.workers().size(),
                r.totals().means(), round3(r.imagesPerSecond()), round3(r.seconds()), round3(r.overheadSeconds()),
                scale, health);
    }

    private MetricsLine.Eval evalLine(long rounds, HeldOutEvaluation.Result e, boolean last) {
        return new MetricsLine.Eval(rounds, round3(epoch(rounds)), e.measures(), e.reconstructionError(),
                e.examples(), last);
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
