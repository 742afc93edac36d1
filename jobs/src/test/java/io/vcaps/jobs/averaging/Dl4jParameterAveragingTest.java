package io.vcaps.jobs.averaging;

import io.vcaps.jobs.TestSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static io.vcaps.jobs.averaging.AveragingFixture.BATCH;
import static io.vcaps.jobs.averaging.AveragingFixture.FREQUENCY;
import static io.vcaps.jobs.averaging.AveragingFixture.ROUNDS;
import static io.vcaps.jobs.averaging.AveragingFixture.TOLERANCE;
import static io.vcaps.jobs.averaging.AveragingFixture.WORKERS;
import static io.vcaps.jobs.averaging.AveragingFixture.difference;
import static io.vcaps.jobs.averaging.AveragingFixture.graph;
import static io.vcaps.jobs.averaging.AveragingFixture.updater;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our parameter averaging is DL4J's, generalised. For one plain ComputationGraph with fit(DataSet) as the local
 * step, ParameterAveraging and DL4J's ParameterAveragingTrainingMaster (same partitions, averaging frequency, Adam
 * state averaged) end with the same parameters and optimiser state. DL4J's workers restart their iteration count
 * every round (its configuration clone drops it); with that reproduced the two agree over many rounds, and with our
 * default (counts carried on) they agree on the first round, after which ParameterAveragingAlgorithmTest holds.
 * dl4j-spark exists for Spark 3 and Scala 2.12 only: this test is compiled on the Spark 3.5 line alone
 * (jobs/pom.xml, profile spark4).
 */
class Dl4jParameterAveragingTest {

    @Test
    void sameParametersAsDl4jWhenIterationsRestartAsInDl4j() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ComputationGraphConfiguration conf = AveragingFixture.encoderWithSoftmax();
        List<DataSet> batches = AveragingFixture.batches(WORKERS * FREQUENCY * ROUNDS);
        ComputationGraph dl4j = graph(conf);
        SparkComputationGraph spark = new SparkComputationGraph(jsc, dl4j, dl4jMaster());
        ComputationGraph ours = graph(conf);
        List<Network> networks = List.of(ComputationGraphTraining.network(ours));
        TrainingState state = TrainingState.capture(networks, 1.0);
        ParameterAveraging<DataSet> averaging = new ParameterAveraging<>(jsc,
                new ComputationGraphTraining(conf, "dl4j-restart", true), 2);

        for (int r = 0; r < ROUNDS; r++) {
            List<DataSet> round = AveragingFixture.round(batches, r);
            spark.fit(jsc.parallelize(round, WORKERS));
            state = AveragingFixture.round(averaging, jsc, round, state, r);
        }
        state.applyTo(networks);

        assertTrue(difference(dl4j.params(), graph(conf).params()) > 1e-3, "training did not move the parameters");
        assertTrue(difference(dl4j.params(), ours.params()) <= TOLERANCE,
                "parameters differ from DL4J's by " + difference(dl4j.params(), ours.params()));
        assertTrue(difference(updater(dl4j), updater(ours)) <= TOLERANCE,
                "optimiser state differs from DL4J's by " + difference(updater(dl4j), updater(ours)));
        assertEquals(dl4j.getIterationCount(), ours.getIterationCount());
        assertEquals(ROUNDS * FREQUENCY, ours.getIterationCount());
    }

    @Test
    void carriedIterationCountsAgreeWithDl4jOnTheFirstRound() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ComputationGraphConfiguration conf = AveragingFixture.encoderWithSoftmax();
        List<DataSet> round = AveragingFixture.round(AveragingFixture.batches(WORKERS * FREQUENCY), 0);
        ComputationGraph dl4j = graph(conf);
        SparkComputationGraph spark = new SparkComputationGraph(jsc, dl4j, dl4jMaster());
        ParameterAveraging<DataSet> averaging = new ParameterAveraging<>(jsc,
                new ComputationGraphTraining(conf, "carried-first"), 2);
        TrainingState state = TrainingState.capture(List.of(ComputationGraphTraining.network(graph(conf))), 1.0);

        state = AveragingFixture.round(averaging, jsc, round, state, 0);
        spark.fit(jsc.parallelize(round, WORKERS));

        assertTrue(difference(dl4j.params(), graph(conf).params()) > 1e-3, "training did not move the parameters");
        assertTrue(difference(dl4j.params(), state.params(0)) <= TOLERANCE,
                "first round differs from DL4J's by " + difference(dl4j.params(), state.params(0)));
        assertTrue(difference(updater(dl4j), state.updaterState(0)) <= TOLERANCE);
    }

    private static ParameterAveragingTrainingMaster dl4jMaster() {
        return new ParameterAveragingTrainingMaster.Builder(WORKERS, BATCH)
                .batchSizePerWorker(BATCH)
                .averagingFrequency(FREQUENCY)
                .saveUpdater(true)
                .workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartionData(Repartition.Always)
                .rngSeed(1)
                .build();
    }
}
