package io.vcaps.jobs.averaging;

import io.vcaps.jobs.TestSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static io.vcaps.jobs.averaging.AveragingFixture.FREQUENCY;
import static io.vcaps.jobs.averaging.AveragingFixture.ROUNDS;
import static io.vcaps.jobs.averaging.AveragingFixture.TOLERANCE;
import static io.vcaps.jobs.averaging.AveragingFixture.WORKERS;
import static io.vcaps.jobs.averaging.AveragingFixture.difference;
import static io.vcaps.jobs.averaging.AveragingFixture.updater;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ParameterAveraging on Spark is the textbook algorithm: each round, every worker starts from the average of the
 * last round's parameters and optimiser state, at the round's iteration count, fits its own minibatches, and the
 * results are averaged. The algorithm is written out here with plain DL4J graphs, round by round. It runs on every
 * Spark line; the comparison with DL4J's own Spark master (Dl4jParameterAveragingTest) only where dl4j-spark exists.
 */
class ParameterAveragingAlgorithmTest {

    @Test
    void everyRoundEqualsTheAlgorithmWrittenOut() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ComputationGraphConfiguration conf = AveragingFixture.encoderWithSoftmax();
        List<DataSet> batches = AveragingFixture.batches(WORKERS * FREQUENCY * ROUNDS);
        ParameterAveraging<DataSet> averaging = new ParameterAveraging<>(jsc,
                new ComputationGraphTraining(conf, "carried"), 2);
        ComputationGraph start = AveragingFixture.graph(conf);
        TrainingState state = TrainingState.capture(List.of(ComputationGraphTraining.network(start)), 1.0);
        INDArray params = start.params().dup();
        INDArray updater = updater(start).dup();

        for (int r = 0; r < ROUNDS; r++) {
            List<DataSet> round = AveragingFixture.round(batches, r);
            state = AveragingFixture.round(averaging, jsc, round, state, r);
            INDArray paramSum = null;
            INDArray updaterSum = null;
            for (int w = 0; w < WORKERS; w++) {
                ComputationGraph worker = new ComputationGraph(conf.clone());
                worker.init(params.dup(), false);
                worker.setUpdater(new ComputationGraphUpdater(worker, updater.dup()));
                worker.getConfiguration().setIterationCount(r * FREQUENCY);
                for (int j = 0; j < FREQUENCY; j++) {
                    worker.fit(round.get(w * FREQUENCY + j));
                }
                paramSum = paramSum == null ? worker.params().dup() : paramSum.addi(worker.params());
                updaterSum = updaterSum == null ? updater(worker).dup() : updaterSum.addi(updater(worker));
            }
            params = paramSum.divi(WORKERS);
            updater = updaterSum.divi(WORKERS);
            assertTrue(difference(params, start.params()) > 1e-3, "round " + r + " did not move the parameters");
            assertTrue(difference(params, state.params(0)) <= TOLERANCE, "round " + r + ": parameters differ by "
                    + difference(params, state.params(0)));
            assertTrue(difference(updater, state.updaterState(0)) <= TOLERANCE, "round " + r + ": state differs");
        }
        assertEquals(ROUNDS * FREQUENCY, state.iteration(0));
    }
}
