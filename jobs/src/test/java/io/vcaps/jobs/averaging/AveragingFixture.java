package io.vcaps.jobs.averaging;

import io.vcaps.core.data.SyntheticDigits;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
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

/** One plain ComputationGraph (a small conv encoder with a softmax head) and its minibatches, averaged in rounds. */
final class AveragingFixture {
    static final int WORKERS = 2;
    static final int FREQUENCY = 3;
    static final int BATCH = 8;
    static final int ROUNDS = 3;
    static final double TOLERANCE = 1e-6;

    private AveragingFixture() {
    }

    /** One round of ours: exactly workers x frequency minibatches, partition i holding worker i's. */
    static TrainingState round(ParameterAveraging<DataSet> averaging, JavaSparkContext jsc,
            List<DataSet> round, TrainingState state, int r) {
        Broadcast<TrainingState> b = averaging.broadcast(state);
        Round result = averaging.round(jsc.parallelize(round, WORKERS), b, r, FREQUENCY);
        b.destroy();
        assertTrue(result.isUsable());
        assertEquals(WORKERS * FREQUENCY * BATCH, result.totals().examples());
        return result.averaged();
    }

    static List<DataSet> round(List<DataSet> batches, int r) {
        return batches.subList(r * WORKERS * FREQUENCY, (r + 1) * WORKERS * FREQUENCY);
    }

    static ComputationGraph graph(ComputationGraphConfiguration conf) {
        ComputationGraph graph = new ComputationGraph(conf.clone());
        graph.init();
        return graph;
    }

    static INDArray updater(ComputationGraph graph) {
        return graph.getUpdater(true).getStateViewArray();
    }

    static double difference(INDArray a, INDArray b) {
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
