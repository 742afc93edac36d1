package io.vcaps.jobs.train;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.TrainingStep;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.averaging.MinibatchOrder;
import io.vcaps.jobs.averaging.ParameterAveraging;
import io.vcaps.jobs.averaging.Round;
import io.vcaps.jobs.averaging.Seeds;
import io.vcaps.jobs.averaging.TrainingState;
import io.vcaps.spark.WorkerThreads;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One worker averaging every step is core's local training, step for step: same parameters after several rounds. */
class OneWorkerTest {

    @TempDir
    Path dir;

    @Test
    void oneWorkerAtFrequencyOneIsLocalTraining() throws Exception {
        SparkSession spark = TestSpark.session();
        String path = TrainFixtures.digits(spark, dir.resolve("digits"), 70, 10);
        VcnConfig config = TrainFixtures.config(TrainFixtures.TINY);
        TrainingData data = TrainingData.open(spark, path);
        int rounds = 5;

        // Spark: one worker, averaging frequency 1, from the driver's freshly created model.
        VcnModel master = VcnModel.create(config, data.shape(), data.entities(), DataType.FLOAT);
        TrainingState state = TrainingState.capture(VcnTraining.networks(master), 1.0);
        JavaRDD<Example> shards = data.shards(1);
        ParameterAveraging<Example> averaging = new ParameterAveraging<>(
                JavaSparkContext.fromSparkContext(spark.sparkContext()),
                new VcnTraining(config, data.shape(), data.entities(), DataType.FLOAT, "one-worker", 0), 2);
        for (int r = 0; r < rounds; r++) {
            Broadcast<TrainingState> b = averaging.broadcast(state);
            Round round = averaging.round(shards, b, r, 1);
            assertTrue(round.isUsable());
            assertEquals(config.batchSize(), round.totals().examples());
            state = round.averaged();
            b.destroy();
        }
        shards.unpersist();

        // Locally: core's TrainingStep on the same minibatches with the same noise seeds (and ND4J threads).
        WorkerThreads.apply(0);
        VcnModel local = VcnModel.create(config, data.shape(), data.entities(), DataType.FLOAT);
        List<Example> examples = new ArrayList<>(data.examples(DatasetSchema.TRAIN).collect());
        Collections.sort(examples);
        MinibatchOrder order = new MinibatchOrder(config.seed(), 0, examples.size(), config.batchSize(), 1);
        for (int r = 0; r < rounds; r++) {
            TrainingStep step = new TrainingStep(local,
                    Nd4j.getRandomFactory().getNewRandomInstance(Seeds.noise(config.seed(), r, 0)));
            Minibatch batch = Minibatch.of(examples, order.batch(r, 0), local.shape().pixels(), local.entities(),
                    local.dataType());
            assertTrue(step.fit(batch.images(), batch.present()).isFinite());
        }

        TrainingState expected = TrainingState.capture(VcnTraining.networks(local), 1.0);
        String[] names = {"encoder", "generator", "discriminator"};
        for (int n = 0; n < 3; n++) {
            INDArray before = TrainingState.capture(VcnTraining.networks(
                    VcnModel.create(config, data.shape(), data.entities(), DataType.FLOAT)), 1.0).params(n);
            assertTrue(maxDifference(before, expected.params(n)) > 1e-4, names[n] + " did not train");
            assertTrue(maxDifference(expected.params(n), state.params(n)) <= 1e-6,
                    names[n] + " parameters differ by " + maxDifference(expected.params(n), state.params(n)));
            assertTrue(maxDifference(expected.updaterState(n), state.updaterState(n)) <= 1e-6,
                    names[n] + " optimiser state differs");
            assertEquals(expected.iteration(n), state.iteration(n), names[n] + " iteration count");
        }
        assertEquals(rounds, state.iteration(0));
    }

    static double maxDifference(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
