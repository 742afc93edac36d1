package io.vcaps.jobs.averaging;

import org.apache.commons.lang3.SerializationUtils;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training state's bytes and the weighted average built from them, without Spark. */
class StateSumTest {

    private static MultiLayerNetwork net(long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.FLOAT).updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(2).build())
                .layer(new DenseLayer.Builder().nIn(2).nOut(2).build()).build());
        net.init();
        net.getUpdater(true).getStateViewArray().assign(seed * 0.5);
        net.setIterationCount((int) seed);
        return net;
    }

    private static WorkerReport report(int worker, long seed, int examples) {
        StepTotals totals = new StepTotals().add(Map.of("loss", (double) seed), examples);
        return new WorkerReport(worker, TrainingState.capture(List.of(Network.of(net(seed))), 0.5), totals);
    }

    @Test
    void stateRoundTripsIntoNetworks() {
        MultiLayerNetwork a = net(1);
        TrainingState state = TrainingState.capture(List.of(Network.of(a)), 1.0);
        MultiLayerNetwork b = net(2);
        state.applyTo(List.of(Network.of(b)));
        assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector());
        assertArrayEquals(a.getUpdater().getStateViewArray().toFloatVector(),
                b.getUpdater().getStateViewArray().toFloatVector());
        assertEquals(1, b.getIterationCount());
        assertEquals(0.25, state.withLearningRateScale(0.25).learningRateScale());
        assertArrayEquals(state.bytes(), TrainingState.of(state.bytes()).bytes());
        assertTrue(state.isFinite());
    }

    @Test
    void learningRateScaleReachesTheUpdater() {
        MultiLayerNetwork net = net(1);
        Network network = Network.of(net);
        TrainingState.capture(List.of(network), 1.0).withLearningRateScale(0.1).applyTo(List.of(network));
        Adam adam = (Adam) ((org.deeplearning4j.nn.conf.layers.BaseLayer) net.getLayer(0).conf().getLayer())
                .getIUpdater();
        assertEquals(0.001, adam.getLearningRate(), 1e-12);
        assertEquals(0.5, net.getUpdater().getStateViewArray().getDouble(0), 1e-12);
    }

    @Test
    void weightedAverageSurvivesSerialisedPartialSums() {
        StateSum left = new StateSum().add(report(0, 1, 100)).add(report(1, 2, 300));
        StateSum right = new StateSum().add(report(2, 3, 100));
        StateSum all = SerializationUtils.roundtrip(left).merge(SerializationUtils.roundtrip(right));
        TrainingState average = all.average();
        INDArray expected = net(1).params().mul(100).addi(net(2).params().mul(300)).addi(net(3).params().mul(100))
                .divi(500);
        assertArrayEquals(expected.toFloatVector(), average.params(0).toFloatVector(), 1e-6f);
        assertEquals((0.5 * 100 + 1.0 * 300 + 1.5 * 100) / 500, average.updaterState(0).getDouble(0), 1e-6);
        assertEquals(3, average.iteration(0));
        assertEquals(0.5, average.learningRateScale());
        assertEquals((1.0 * 100 + 2 * 300 + 3 * 100) / 500, all.totals().mean("loss"), 1e-12);
        assertEquals(List.of(0, 1, 2), all.workers());
    }

    @Test
    void oneReportIsItsOwnAverageAndNonFiniteOnesAreLeftOut() {
        WorkerReport only = report(0, 1, 100);
        assertSame(only.state(), new StateSum().add(only).average());

        MultiLayerNetwork broken = net(4);
        broken.params().putScalar(0, Float.NaN);
        WorkerReport nan = new WorkerReport(1, TrainingState.capture(List.of(Network.of(broken)), 1.0),
                new StepTotals().add(Map.of("loss", 1.0), 100));
        assertFalse(nan.isFinite());
        StateSum sum = new StateSum().add(nan);
        assertNull(sum.average());
        assertEquals(List.of(1), sum.nonFiniteWorkers());
        assertFalse(new StepTotals().add(Map.of("loss", Double.POSITIVE_INFINITY), 1).isFinite());
        assertTrue(new StepTotals().add(Map.of("kl_present", Double.NaN), 1).isFinite());
    }
}
