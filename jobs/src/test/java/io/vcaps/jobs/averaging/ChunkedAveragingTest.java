package io.vcaps.jobs.averaging;

import io.vcaps.jobs.TestSpark;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reduce-scatter round: chunks averaged on executors in worker order give the same bits whatever the order the
 * workers finish in and however the state is cut; the arithmetic is the float64 weighted mean; many logical workers
 * share an executor's few networks; a round's shuffle files are gone after it; a state the driver cannot take is
 * refused in one line before round 1.
 */
class ChunkedAveragingTest {

    private static final int WORKERS = 5;
    private static final AtomicInteger READS = new AtomicInteger();

    @Test
    void theMeanIsTheSameBitsWhateverTheCompletionOrderAndChunks() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ComputationGraphConfiguration conf = AveragingFixture.encoderWithSoftmax();
        List<DataSet> batches = AveragingFixture.batches(WORKERS);
        TrainingState start = TrainingState.capture(
                List.of(ComputationGraphTraining.network(AveragingFixture.graph(conf))), 1.0);

        byte[] forward = round(jsc, conf, batches, start, 3, false);
        assertArrayEquals(forward, round(jsc, conf, batches, start, 3, true), "reverse completion order");
        assertArrayEquals(forward, round(jsc, conf, batches, start, 1, true), "one chunk");
        assertArrayEquals(forward, round(jsc, conf, batches, start, 7, false), "more chunks than workers");
        assertFalse(Arrays.equals(start.bytes(), forward), "the round trained nothing");

        // The same workers trained here, one after another, and averaged as the float64 weighted mean.
        List<TrainingState> alone = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            LocalTraining.Worker<DataSet> worker = new ComputationGraphTraining(conf, "alone").newWorker();
            start.applyTo(worker.networks());
            worker.train(List.of(batches.get(w)).iterator(), w, 0, 1);
            alone.add(TrainingState.capture(worker.networks(), 1.0));
        }
        TrainingState averaged = TrainingState.of(forward);
        for (int slot = 0; slot < 2; slot++) {
            float[] got = (slot == 0 ? averaged.params(0) : averaged.updaterState(0)).toFloatVector();
            double[] sum = new double[got.length];
            for (TrainingState s : alone) {
                float[] v = (slot == 0 ? s.params(0) : s.updaterState(0)).toFloatVector();
                for (int i = 0; i < v.length; i++) {
                    sum[i] += v[i];
                }
            }
            for (int i = 0; i < got.length; i++) {
                assertEquals(sum[i] / WORKERS, got[i], 1e-6, "slot " + slot + ", value " + i);
            }
        }
    }

    /** One round of WORKERS workers; with {@code reverse}, worker i waits (WORKERS - 1 - i) x 150 ms first. */
    private static byte[] round(JavaSparkContext jsc, ComputationGraphConfiguration conf, List<DataSet> batches,
            TrainingState start, int chunks, boolean reverse) {
        ParameterAveraging<DataSet> averaging = new ParameterAveraging<>(jsc,
                new Staggered(new ComputationGraphTraining(conf, "order"), reverse), chunks);
        Broadcast<TrainingState> b = averaging.broadcast(start);
        Round result = averaging.round(jsc.parallelize(batches, WORKERS), b, 0, 1);
        b.destroy();
        assertTrue(result.isUsable());
        assertEquals(List.of(0, 1, 2, 3, 4), result.workers());
        return result.averaged().bytes();
    }

    @Test
    void theChunkMeanIsTheFloat64WeightedMeanInWorkerOrder() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<TrainingState.Slot> layout = List.of(new TrainingState.Slot(DataType.FLOAT, 3, 0),
                new TrainingState.Slot(DataType.DOUBLE, 2, 0));
        double[][] a = {{0.1, -2.5, 3e-7}, {1.0 / 3, 7}};
        double[][] b = {{0.7, 1e6, -3e-7}, {2.0 / 3, -1}};
        double[][] c = {{-0.3, 0.5, 1}, {0.25, 1e-9}};
        double[] weights = {100, 60, 20};
        TrainingState start = TrainingState.build(layout, 1.0, new int[1], new int[1], a);
        Broadcast<TrainingState> broadcast = jsc.broadcast(start);
        List<Tuple2<Long, StatePiece>> pieces = new ArrayList<>();
        double[][][] states = {a, b, c};
        StateChunks chunks = new StateChunks(start.slots(), 2);
        for (int w = 0; w < 3; w++) {
            TrainingState s = TrainingState.build(layout, 1.0, new int[1], new int[1], states[w]);
            pieces.add(new Tuple2<>(StatePiece.key(1, w), new StatePiece(w, weights[w], chunks.cut(s, 1), null)));
        }
        Iterator<ChunkMean> out = new ChunkAverage(broadcast, 2).call(1, pieces.iterator());
        ChunkMean mean = out.next();
        TrainingState pasted = TrainingState.of(start.bytes().clone());
        chunks.paste(mean.values(), pasted, 1);
        // Chunk 1 of 5 values is values 2..4: slot 0's last float and slot 1's two doubles.
        float expectedFloat = (float) ((0.0 + weights[0] * (float) a[0][2] + weights[1] * (float) b[0][2]
                + weights[2] * (float) c[0][2]) / 180);
        assertEquals(expectedFloat, pasted.params(0).getFloat(2));
        assertEquals((float) a[0][0], pasted.params(0).getFloat(0), "chunk 0 untouched");
        for (int i = 0; i < 2; i++) {
            double expected = (0.0 + weights[0] * a[1][i] + weights[1] * b[1][i] + weights[2] * c[1][i]) / 180;
            assertEquals(expected, pasted.updaterState(0).getDouble(i));
        }
        assertEquals(180, mean.weight());
        broadcast.destroy();
    }

    @Test
    void manyLogicalWorkersShareTheExecutorsNetworksAndKeepTheirShards() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ComputationGraphConfiguration conf = AveragingFixture.encoderWithSoftmax();
        List<DataSet> batches = AveragingFixture.batches(6);
        ParameterAveraging<DataSet> averaging = new ParameterAveraging<>(jsc,
                new CachedShards(new ComputationGraphTraining(conf, "pool-" + System.nanoTime())), 0);
        TrainingState state = TrainingState.capture(
                List.of(ComputationGraphTraining.network(AveragingFixture.graph(conf))), 1.0);
        READS.set(0);

        state = plainRound(averaging, jsc, batches, state, 0);
        assertTrue(WorkerPool.built() <= 2, "6 logical workers on local[2] built " + WorkerPool.built()
                + " networks; at most one per task slot");
        assertEquals(6, READS.get());
        assertEquals(java.util.Set.of(0, 1, 2, 3, 4, 5), ShardCache.shards());

        // From round 1 on only shard 0 runs here.
        List<DataSet> shard0 = batches.subList(0, 1);
        state = plainRound(averaging, jsc, shard0, state, 1);
        assertEquals(6, ShardCache.shards().size(), "the shards of the previous round may still come");
        plainRound(averaging, jsc, shard0, state, 2);
        assertEquals(java.util.Set.of(0), ShardCache.shards(), "shards not run for a round are released");
        assertEquals(6, READS.get(), "shard 0 was read once and kept");
    }

    @Test
    void aRoundLeavesNoShuffleFilesBehind() throws Exception {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ComputationGraphConfiguration conf = AveragingFixture.encoderWithSoftmax();
        List<DataSet> batches = AveragingFixture.batches(3);
        ParameterAveraging<DataSet> averaging = new ParameterAveraging<>(jsc,
                new ComputationGraphTraining(conf, "shuffle"), 2);
        TrainingState state = TrainingState.capture(
                List.of(ComputationGraphTraining.network(AveragingFixture.graph(conf))), 1.0);
        // Other tests in this JVM may have left shuffles of their own (a dataset still referenced): not ours.
        List<String> before = shuffleFiles();
        for (int r = 0; r < 3; r++) {
            state = plainRound(averaging, jsc, batches, state, r);
        }
        long deadline = System.currentTimeMillis() + 20_000;
        List<String> left = newSince(before);
        while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            left = newSince(before);
        }
        assertEquals(List.of(), left, "shuffle files of finished rounds");
    }

    private static List<String> newSince(List<String> before) {
        List<String> now = shuffleFiles();
        now.removeAll(before);
        return now;
    }

    private static List<String> shuffleFiles() {
        List<String> out = new ArrayList<>();
        scala.collection.Iterator<File> files = SparkEnv.get().blockManager().diskBlockManager().getAllFiles()
                .iterator();
        while (files.hasNext()) {
            File f = files.next();
            if (f.getName().startsWith("shuffle_")) {
                out.add(f.getName());
            }
        }
        return out;
    }

    @Test
    void aStateTheDriverCannotTakeIsRefusedInOneLine() {
        long face = 212_000_000L;
        Optional<String> refused = ParameterAveraging.driverLimits(new SparkConf(false)
                .set("spark.driver.maxResultSize", "100m"), 4L << 30, face, 32);
        assertTrue(refused.isPresent());
        assertTrue(refused.get().contains("spark.driver.maxResultSize=223m"), refused.get());
        assertEquals(1, refused.get().lines().count());
        assertEquals(Optional.empty(), ParameterAveraging.driverLimits(new SparkConf(false), 4L << 30, face, 32),
                "Spark's default 1g holds the face configuration's state at 32 workers");
        assertEquals(Optional.empty(), ParameterAveraging.driverLimits(new SparkConf(false)
                .set("spark.driver.maxResultSize", "0"), 4L << 30, face, 32), "0 is unlimited");
        Optional<String> heap = ParameterAveraging.driverLimits(new SparkConf(false), 1L << 30, face, 32);
        assertTrue(heap.isPresent() && heap.get().contains("--driver-memory 3g"), heap.toString());
    }

    private static TrainingState plainRound(ParameterAveraging<DataSet> averaging, JavaSparkContext jsc,
            List<DataSet> shards, TrainingState state, int r) {
        Broadcast<TrainingState> b = averaging.broadcast(state);
        Round result = averaging.round(jsc.parallelize(shards, shards.size()), b, r, 1);
        b.destroy();
        assertTrue(result.isUsable());
        return result.averaged();
    }

    /** A training that wraps another's workers, changing only what a task does before and around its steps. */
    private interface Wrapping extends LocalTraining<DataSet> {

        LocalTraining<DataSet> training();

        StepTotals train(Worker<DataSet> inner, Iterator<DataSet> shard, int worker, long round, int steps);

        @Override
        default String key() {
            return training().key();
        }

        @Override
        default Worker<DataSet> newWorker() {
            Worker<DataSet> inner = training().newWorker();
            return new Worker<>() {
                @Override
                public List<Network> networks() {
                    return inner.networks();
                }

                @Override
                public StepTotals train(Iterator<DataSet> shard, int worker, long round, int steps) {
                    return Wrapping.this.train(inner, shard, worker, round, steps);
                }
            };
        }
    }

    /** A training whose workers start late in an order that reverses the natural completion order. */
    private record Staggered(LocalTraining<DataSet> training, boolean reverse) implements Wrapping {

        @Override
        public StepTotals train(Worker<DataSet> inner, Iterator<DataSet> shard, int worker, long round, int steps) {
            try {
                Thread.sleep(150L * (reverse ? WORKERS - 1 - worker : worker));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.train(shard, worker, round, steps);
        }
    }

    /** A training that keeps each shard in the executor's {@link ShardCache}, counting the shards it reads. */
    private record CachedShards(LocalTraining<DataSet> training) implements Wrapping {

        @Override
        public StepTotals train(Worker<DataSet> inner, Iterator<DataSet> shard, int worker, long round, int steps) {
            List<DataSet> kept = ShardCache.get(key(), worker, round, () -> {
                READS.incrementAndGet();
                List<DataSet> read = new ArrayList<>();
                shard.forEachRemaining(read::add);
                return read;
            });
            return inner.train(kept.iterator(), worker, round, steps);
        }
    }
}
