package io.vcaps.jobs.averaging;

import io.vcaps.jobs.TestSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An executor keeps a shard's worker only while it runs that shard. Rounds of real parameter averaging on the test
 * session (whose one executor is this JVM, so its pool is the one the tasks use): both shards run here in round 0,
 * then shard 1 runs elsewhere (it is left out of the data this executor is given), and its worker must be released
 * by round 2, while shard 0's worker is kept and never rebuilt.
 */
class WorkerPoolTest {

    private static final int FREQUENCY = 1;
    /** Workers the training built in this JVM: the executor's. */
    private static final AtomicInteger BUILT = new AtomicInteger();

    @Test
    void aShardsWorkerIsReleasedOnceItsShardRunsOnAnotherExecutor() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ComputationGraphConfiguration conf = AveragingFixture.encoderWithSoftmax();
        List<DataSet> batches = AveragingFixture.batches(2);
        ParameterAveraging<DataSet> averaging = new ParameterAveraging<>(jsc,
                new Counted(new ComputationGraphTraining(conf, "pool-" + System.nanoTime())), 2);
        ComputationGraph start = new ComputationGraph(conf.clone());
        start.init();
        TrainingState state = TrainingState.capture(List.of(ComputationGraphTraining.network(start)), 1.0);
        BUILT.set(0);

        state = round(averaging, jsc, batches, state, 0);
        assertEquals(Set.of("worker-0", "worker-1"), WorkerPool.idleSlots(), "both shards ran here in round 0");
        assertEquals(2, BUILT.get());

        // From round 1 on only shard 0 runs here: one partition, worker 0.
        List<DataSet> shard0 = batches.subList(0, 1);
        state = round(averaging, jsc, shard0, state, 1);
        assertEquals(Set.of("worker-0", "worker-1"), WorkerPool.idleSlots(),
                "shard 1 ran here in the previous round and may still come this round");
        round(averaging, jsc, shard0, state, 2);
        assertEquals(Set.of("worker-0"), WorkerPool.idleSlots(), "shard 1's worker released in round 2");
        assertEquals(2, BUILT.get(), "shard 0's worker was kept, not rebuilt");
    }

    private static TrainingState round(ParameterAveraging<DataSet> averaging, JavaSparkContext jsc,
            List<DataSet> shards, TrainingState state, int r) {
        Broadcast<TrainingState> b = averaging.broadcast(state);
        Round result = averaging.round(jsc.parallelize(shards, shards.size()), b, r, FREQUENCY);
        b.destroy();
        assertTrue(result.isUsable());
        return result.averaged();
    }

    /** A training that counts the workers it builds. */
    private record Counted(LocalTraining<DataSet> training) implements LocalTraining<DataSet> {

        @Override
        public String key() {
            return training.key();
        }

        @Override
        public Worker<DataSet> newWorker() {
            BUILT.incrementAndGet();
            return training.newWorker();
        }
    }
}
