package io.vcaps.jobs.averaging;

import org.apache.spark.Partitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.network.util.JavaUtils;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Synchronous parameter averaging, DL4J's {@code ParameterAveragingTrainingMaster} generalised from one network
 * with one loss to any list of networks trained by one local step (E, G and D of a VCN; or a single network). Each
 * round the driver broadcasts a {@link TrainingState} (parameters, optimiser state, iteration counts of every
 * network); every partition of the data is one worker, which writes the state into its networks, runs the local
 * steps on its partition and cuts its new state into C chunks ({@link StateChunks}). A shuffle brings chunk c of
 * every worker to reduce task c, sorted by worker, which averages them weighted by examples
 * ({@link ChunkAverage}): a reduce-scatter over Spark's shuffle. The driver collects the C mean chunks, one state
 * in all whatever the number of workers, and pastes them together. A round with a non-finite loss or parameter
 * anywhere is reported, not averaged.
 *
 * @param <E> the element type of the partitions
 */
public final class ParameterAveraging<E> {

    /** Below this many bytes a state is averaged in one reduce task: more tasks would cost more than they save. */
    static final long CHUNK_BYTES = 4L << 20;
    /**
     * States the driver's heap holds at most while a round is averaged: the current state and its broadcast pieces,
     * the collected means and the state pasted from them, the outer step's result and momentum, the best state,
     * and the next broadcast's pieces before the previous one is destroyed.
     */
    public static final int DRIVER_STATES = 8;

    private final JavaSparkContext spark;
    private final LocalTraining<E> training;
    private final int reducePartitions;

    /**
     * @param reducePartitions reduce tasks per round (chunks of the state); 0: one per 4 MiB of state, at most one
     *                         per worker
     */
    public ParameterAveraging(JavaSparkContext spark, LocalTraining<E> training, int reducePartitions) {
        if (reducePartitions < 0) {
            throw new IllegalArgumentException("reduce partitions must be 0 (automatic) or more, got "
                    + reducePartitions);
        }
        this.spark = spark;
        this.training = training;
        this.reducePartitions = reducePartitions;
    }

    /** Ships a state to the executors; destroy it once no round or evaluation needs it. */
    public Broadcast<TrainingState> broadcast(TrainingState state) {
        return spark.broadcast(state);
    }

    /**
     * What stops a state of {@code stateBytes} bytes from being averaged by this Spark application, as one line that
     * says what to set; empty when nothing does. Each round brings one state to the driver (the mean chunks), so
     * {@code spark.driver.maxResultSize} must hold it with room for the workers' summaries; and the driver's heap
     * holds about {@link #DRIVER_STATES} states at once (docs/OPERATIONS.md, "Large models").
     */
    public Optional<String> driverLimits(long stateBytes, int workers) {
        return driverLimits(spark.getConf(), Runtime.getRuntime().maxMemory(), stateBytes, workers);
    }

    static Optional<String> driverLimits(SparkConf conf, long heap, long stateBytes, int workers) {
        String given = conf.get("spark.driver.maxResultSize", "1g");
        long limit = JavaUtils.byteStringAsBytes(given);
        long needed = stateBytes + stateBytes / 10 + workers * 4096L;
        if (limit > 0 && needed > limit) {
            return Optional.of(String.format(Locale.ROOT, "the training state is %s and every round brings it to the"
                    + " driver, more than spark.driver.maxResultSize = %s allows: set --spark"
                    + " spark.driver.maxResultSize=%s (or more)", size(stateBytes), given, megabytes(needed)));
        }
        long heapNeeded = DRIVER_STATES * stateBytes;
        if (heap != Long.MAX_VALUE && heapNeeded > heap) {
            return Optional.of(String.format(Locale.ROOT, "the training state is %s and the driver holds about %d of"
                    + " them while a round is averaged (%s), more than its heap of %s: set --driver-memory %s (or"
                    + " spark.driver.memory; with local[*], the launcher's heap)", size(stateBytes), DRIVER_STATES,
                    size(heapNeeded), size(heap), gigabytes(heapNeeded + (512L << 20))));
        }
        return Optional.empty();
    }

    private static String size(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String megabytes(long bytes) {
        return ((bytes + (1L << 20) - 1) >> 20) + "m";
    }

    private static String gigabytes(long bytes) {
        return ((bytes + (1L << 30) - 1) >> 30) + "g";
    }

    /** The chunks a state of {@code bytes} bytes is averaged in by {@code workers} workers. */
    public int chunks(long bytes, int workers) {
        if (reducePartitions > 0) {
            return reducePartitions;
        }
        return (int) Math.max(1, Math.min(workers, (bytes + CHUNK_BYTES - 1) / CHUNK_BYTES));
    }

    /**
     * Runs round {@code round}: {@code steps} local steps on every partition of {@code data} (partition i is worker
     * i), starting from {@code state}, then the weighted average. The round's shuffle files are removed before it
     * returns.
     */
    public Round round(JavaRDD<E> data, Broadcast<TrainingState> state, long round, int steps) {
        long start = System.nanoTime();
        TrainingState from = state.value();
        int chunks = chunks(from.bytes().length, data.getNumPartitions());
        JavaRDD<Tuple2<Long, StatePiece>> pieces = data.mapPartitionsWithIndex(
                new WorkerRound<>(training, state, round, steps, chunks), true);
        JavaRDD<ChunkMean> means = JavaPairRDD.fromJavaRDD(pieces)
                .repartitionAndSortWithinPartitions(new ChunkPartitioner(chunks))
                .mapPartitionsWithIndex(new ChunkAverage(state, chunks), true);
        List<ChunkMean> collected;
        try {
            collected = means.collect();
        } finally {
            means.rdd().cleanShuffleDependencies(false);
        }
        return assemble(from, chunks, round, collected, (System.nanoTime() - start) / 1e9);
    }

    /** The round from the reduce tasks' means: the summaries in worker order, and the mean state unless unusable. */
    private static Round assemble(TrainingState from, int chunks, long round, List<ChunkMean> means,
            double seconds) {
        List<WorkerSummary> summaries = new ArrayList<>();
        for (ChunkMean mean : means) {
            summaries.addAll(mean.summaries());
        }
        summaries.sort(Comparator.comparingInt(WorkerSummary::worker));
        StepTotals totals = new StepTotals();
        List<Integer> workers = new ArrayList<>();
        List<Integer> nonFinite = new ArrayList<>();
        int networks = from.networks();
        int[] iterations = new int[networks];
        int[] epochs = new int[networks];
        boolean anyFinite = false;
        for (WorkerSummary s : summaries) {
            totals.merge(s.totals());
            workers.add(s.worker());
            if (!s.finite()) {
                nonFinite.add(s.worker());
                continue;
            }
            anyFinite = true;
            for (int n = 0; n < networks; n++) {
                iterations[n] = Math.max(iterations[n], s.iterations()[n]);
                epochs[n] = Math.max(epochs[n], s.epochs()[n]);
            }
        }
        TrainingState averaged = null;
        if (nonFinite.isEmpty() && anyFinite) {
            StateChunks layout = new StateChunks(from.slots(), chunks);
            averaged = TrainingState.of(from.bytes().clone());
            for (ChunkMean mean : means) {
                if (mean.values() == null) {
                    throw new IllegalStateException("round " + (round + 1) + ": chunk " + mean.chunk()
                            + " has no mean although every worker was finite");
                }
                layout.paste(mean.values(), averaged, mean.chunk());
            }
            averaged.setCounts(iterations, epochs);
        }
        return new Round(round, averaged, totals, workers, nonFinite, seconds);
    }

    /** Sends chunk c of every worker to reduce partition c. */
    private static final class ChunkPartitioner extends Partitioner {

        private static final long serialVersionUID = 1L;
        private final int chunks;

        ChunkPartitioner(int chunks) {
            this.chunks = chunks;
        }

        @Override
        public int numPartitions() {
            return chunks;
        }

        @Override
        public int getPartition(Object key) {
            return StatePiece.chunk((Long) key);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ChunkPartitioner p && p.chunks == chunks;
        }

        @Override
        public int hashCode() {
            return chunks;
        }
    }

    /** The task of one worker in one round. */
    private record WorkerRound<E>(LocalTraining<E> training, Broadcast<TrainingState> state, long round, int steps,
            int chunks) implements Function2<Integer, Iterator<E>, Iterator<Tuple2<Long, StatePiece>>> {

        @Override
        public Iterator<Tuple2<Long, StatePiece>> call(Integer worker, Iterator<E> shard) {
            LocalTraining.Worker<E> w = WorkerPool.borrow(training.key(), training::newWorker);
            try {
                TrainingState start = state.value();
                start.applyTo(w.networks());
                long started = System.nanoTime();
                StepTotals totals = w.train(shard, worker, round, steps).timed((System.nanoTime() - started) / 1e9);
                if (totals.examples() == 0) {
                    return Collections.emptyIterator();
                }
                TrainingState end = TrainingState.capture(w.networks(), start.learningRateScale());
                boolean finite = totals.isFinite() && end.isFinite();
                int networks = end.networks();
                int[] iterations = new int[networks];
                int[] epochs = new int[networks];
                for (int n = 0; n < networks; n++) {
                    iterations[n] = end.iteration(n);
                    epochs[n] = end.epoch(n);
                }
                WorkerSummary summary = new WorkerSummary(worker, totals, iterations, epochs, finite);
                StateChunks layout = new StateChunks(end.slots(), chunks);
                List<Tuple2<Long, StatePiece>> out = new ArrayList<>(chunks);
                for (int c = 0; c < chunks; c++) {
                    out.add(new Tuple2<>(StatePiece.key(c, worker), new StatePiece(worker, totals.examples(),
                            finite ? layout.cut(end, c) : null, c == 0 ? summary : null)));
                }
                return out.iterator();
            } finally {
                WorkerPool.release(training.key(), w);
            }
        }
    }
}
