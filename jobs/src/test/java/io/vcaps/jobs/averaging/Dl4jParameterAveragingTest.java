package io.vcaps.jobs.averaging;

import io.vcaps.core.data.SyntheticDigits;
import io.vcaps.jobs.TestSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our parameter averaging is DL4J's, generalised. For one plain ComputationGraph (a small conv encoder with a
 * softmax head) with fit(DataSet) as the local step, ParameterAveraging and DL4J's
 * ParameterAveragingTrainingMaster (same partitions, averaging frequency, Adam state averaged) end with the same
 * parameters and optimiser state. DL4J's workers restart their iteration count every round (its configuration
 * clone drops it); with that reproduced the two agree over many rounds, and with our default (counts carried on)
 * they agree on the first round and we agree with the textbook algorithm written out below.
 */
class Dl4jParameterAveragingTest {

    private static final int WORKERS = 2;
    private static final int FREQUENCY = 3;
    private static final int BATCH = 8;
    private static final int ROUNDS = 3;
    private static final double TOLERANCE = 1e-6;

    @Test
    void sameParametersAsDl4jWhenIterationsRestartAsInDl4j() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ComputationGraphConfiguration conf = encoderWithSoftmax();
        List<DataSet> batches = batches(WORKERS * FREQUENCY * ROUNDS);
        ComputationGraph dl4j = graph(conf);
        SparkComputationGraph spark = new SparkComputationGraph(jsc, dl4j, dl4jMaster());
        ComputationGraph ours = graph(conf);
        List<Network> networks = List.of(ComputationGraphTraining.network(ours));
        TrainingState state = TrainingState.capture(networks, 1.0);
        ParameterAveraging<DataSet> averaging = new ParameterAveraging<>(jsc,
                new ComputationGraphTraining(conf, "dl4j-restart", true), 2);

        for (int r = 0; r < ROUNDS; r++) {
            // Exactly workers x frequency minibatches a round, partition i holding worker i's, for both.
            List<DataSet> round = round(batches, r);
            spark.fit(jsc.parallelize(round, WORKERS));
            state = round(averaging, jsc, round, state, r);
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
    void carriedIterationCountsAgreeWithDl4jOnTheFirstRoundAndWithTheAlgorithmAfter() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ComputationGraphConfiguration conf = encoderWithSoftmax();
        List<DataSet> batches = batches(WORKERS * FREQUENCY * ROUNDS);
        ComputationGraph dl4j = graph(conf);
        SparkComputationGraph spark = new SparkComputationGraph(jsc, dl4j, dl4jMaster());
        ParameterAveraging<DataSet> averaging = new ParameterAveraging<>(jsc,
                new ComputationGraphTraining(conf, "carried"), 2);
        ComputationGraph start = graph(conf);
        TrainingState state = TrainingState.capture(List.of(ComputationGraphTraining.network(start)), 1.0);
        INDArray params = start.params().dup();
        INDArray updater = updater(start).dup();

        for (int r = 0; r < ROUNDS; r++) {
            List<DataSet> round = round(batches, r);
            state = round(averaging, jsc, round, state, r);
            // The algorithm, written out: each worker starts from the average and the round's iteration count.
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
            assertTrue(difference(params, state.params(0)) <= TOLERANCE, "round " + r + ": parameters differ by "
                    + difference(params, state.params(0)));
            assertTrue(difference(updater, state.updaterState(0)) <= TOLERANCE, "round " + r + ": state differs");
            if (r == 0) {
                spark.fit(jsc.parallelize(round, WORKERS));
                assertTrue(difference(dl4j.params(), state.params(0)) <= TOLERANCE,
                        "first round differs from DL4J's by " + difference(dl4j.params(), state.params(0)));
                assertTrue(difference(updater(dl4j), state.updaterState(0)) <= TOLERANCE);
            }
        }
        assertEquals(ROUNDS * FREQUENCY, state.iteration(0));
    }

    private static TrainingState round(ParameterAveraging<DataSet> averaging, JavaSparkContext jsc,
            List<DataSet> round, TrainingState state, int r) {
        Broadcast<TrainingState> b = averaging.broadcast(state);
        Round result = averaging.round(jsc.parallelize(round, WORKERS), b, r, FREQUENCY);
        b.destroy();
        assertTrue(result.isUsable());
        assertEquals(WORKERS * FREQUENCY * BATCH, result.totals().examples());
        return result.averaged();
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

    private static List<DataSet> round(List<DataSet> batches, int r) {
        return batches.subList(r * WORKERS * FREQUENCY, (r + 1) * WORKERS * FREQUENCY);
    }

    private static ComputationGraph graph(ComputationGraphConfiguration conf) {
        ComputationGraph graph = new ComputationGraph(conf.clone());
        graph.init();
        return graph;
    }

    private static INDArray updater(ComputationGraph graph) {
        return graph.getUpdater(true).getStateViewArray();
    }

    private static double difference(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    static ComputationGraphConfiguration encoderWithSoftmax() {
        return new NeuralNetConfiguration.Builder()
                .seed(12345)
                .dataType(DataType.FLOAT)
                .updater(new Adam(0.01))
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("image")
                .addLayer("conv", new ConvolutionLayer.Builder(5, 5).stride(2, 2).nOut(4)
                        .activation(Activation.RELU).build(), "image")
                .addLayer("dense", new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build(), "conv")
                .addLayer("softmax", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("softmax")
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                .build();
    }

    static List<DataSet> batches(int count) {
        SyntheticDigits.Batch digits = SyntheticDigits.generate(count * BATCH, 5);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            float[] x = new float[BATCH * 784];
            float[] y = new float[BATCH * 10];
            for (int i = 0; i < BATCH; i++) {
                byte[] p = digits.pixels()[b * BATCH + i];
                for (int j = 0; j < 784; j++) {
                    x[i * 784 + j] = (p[j] & 0xFF) / 255f;
                }
                y[i * 10 + digits.labels()[b * BATCH + i]] = 1;
            }
            out.add(new DataSet(Nd4j.create(x, new long[]{BATCH, 784}, 'c'),
                    Nd4j.create(y, new long[]{BATCH, 10}, 'c')));
        }
        return out;
    }
}
