package io.vcaps.jobs.train;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.StepLosses;
import io.vcaps.core.vcn.TrainingStep;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.averaging.LocalTraining;
import io.vcaps.jobs.averaging.MinibatchOrder;
import io.vcaps.jobs.averaging.Network;
import io.vcaps.jobs.averaging.ParameterAveraging;
import io.vcaps.jobs.averaging.Seeds;
import io.vcaps.jobs.averaging.ShardCache;
import io.vcaps.jobs.averaging.StepTotals;
import io.vcaps.jobs.averaging.TrainingState;
import io.vcaps.jobs.averaging.WorkerPool;
import io.vcaps.spark.WorkerThreads;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function0;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The local training of a Variational Capsule Network for {@link ParameterAveraging}: the networks are E, G and D
 * (in that order), the local step is core's {@link TrainingStep} on a minibatch of the worker's shard. What a
 * worker trains on and its noise derive from (seed, round, worker) through {@link MinibatchOrder} and
 * {@link Seeds}. Holds the model's recipe (configuration, image shape, entity names), never a model.
 */
public final class VcnTraining implements LocalTraining<Example> {

    private static final long serialVersionUID = 1L;

    private final String config;
    private final ImageShape shape;
    private final List<String> entities;
    private final String dataType;
    private final String key;
    private final int threads;

    /**
     * @param run     distinguishes this training run from others on shared executors
     * @param threads ND4J threads per worker task ({@link WorkerThreads}; 0: ND4J's default)
     */
    public VcnTraining(VcnConfig config, ImageShape shape, List<String> entities, DataType dataType, String run,
            int threads) {
        this.config = config.toHocon();
        this.shape = shape;
        this.entities = List.copyOf(entities);
        this.dataType = dataType.name();
        this.key = "vcn:" + run;
        this.threads = threads;
    }

    /** ND4J threads per worker task (0: ND4J's default). */
    public int threads() {
        return threads;
    }

    /** How many entities the model has. */
    public int entities() {
        return entities.size();
    }

    /** The networks of a VCN in training-state order: encoder, generator, discriminator. */
    public static List<Network> networks(VcnModel model) {
        return List.of(Network.of(model.encoder()), Network.of(model.generator()), Network.of(model.discriminator()));
    }

    /** Core's step losses as named terms (also the metric names). */
    public static Map<String, Double> terms(StepLosses l) {
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("margin", l.margin());
        t.put("reconstruction", l.reconstruction());
        t.put("adversarial", l.adversarial());
        t.put("discriminator", l.discriminator());
        t.put("consistency", l.consistency());
        t.put("kl_present", l.klPresent());
        t.put("kl_absent", l.klAbsent());
        return t;
    }

    @Override
    public String key() {
        return key;
    }

    /** A model built from the recipe, with fresh parameters. */
    public VcnModel newModel() {
        return VcnModel.create(VcnConfig.parse(config, "training recipe"), shape, entities, DataType.valueOf(dataType));
    }

    @Override
    public VcnWorker newWorker() {
        return new VcnWorker(newModel(), threads, key);
    }

    /** What each partition computes from its examples with the state's model; serializable, as Spark needs. */
    @FunctionalInterface
    public interface PartitionSum<T> extends Serializable {
        T apply(VcnModel model, Iterator<Example> examples);
    }

    /**
     * Applies {@code state} to an executor's pooled worker and runs {@code sum} on each partition of
     * {@code examples}; empty partitions give {@code zero}. Only the per-partition values reach the driver.
     */
    public <T> JavaRDD<T> withState(JavaRDD<Example> examples, Broadcast<TrainingState> state,
            Function0<T> zero, PartitionSum<T> sum) {
        return examples.mapPartitions(it -> {
            if (!it.hasNext()) {
                return Collections.singletonList(zero.call()).iterator();
            }
            VcnWorker worker = WorkerPool.borrow(key, this::newWorker);
            try {
                WorkerThreads.apply(threads);
                state.value().applyTo(worker.networks());
                return Collections.singletonList(sum.apply(worker.model(), it)).iterator();
            } finally {
                WorkerPool.release(key, worker);
            }
        });
    }

    /**
     * One shard as a worker trains on it: its examples in id order (the order Spark delivers a partition in may
     * vary) and, once asked for, its minibatch order.
     */
    private static final class Shard {
        private final List<Example> examples;
        private MinibatchOrder order;
        private int orderSteps;

        private Shard(Iterator<Example> partition) {
            List<Example> read = new ArrayList<>();
            partition.forEachRemaining(read::add);
            Collections.sort(read);
            examples = read;
        }

        synchronized MinibatchOrder order(long seed, int worker, int batchSize, int steps) {
            if (order == null || orderSteps != steps) {
                order = new MinibatchOrder(seed, worker, examples.size(), batchSize, steps);
                orderSteps = steps;
            }
            return order;
        }
    }

    /** One executor task slot's model; the shard it trains in a task comes from the executor's {@link ShardCache}. */
    public static final class VcnWorker implements Worker<Example> {

        private final VcnModel model;
        private final List<Network> networks;
        private final Random random;
        private final int threads;
        private final String key;

        VcnWorker(VcnModel model, int threads, String key) {
            this.model = model;
            this.threads = threads;
            this.key = key;
            this.networks = VcnTraining.networks(model);
            this.random = Nd4j.getRandomFactory().getNewRandomInstance(model.config().seed());
        }

        public VcnModel model() {
            return model;
        }

        @Override
        public List<Network> networks() {
            return networks;
        }

        @Override
        public StepTotals train(Iterator<Example> examples, int worker, long round, int steps) {
            InjectedFaults.maybeFail("round " + (round + 1) + ", worker " + worker);
            InjectedFaults.maybePause(round + 1);
            WorkerThreads.apply(threads);
            Shard shard = ShardCache.get(key, worker, round, () -> new Shard(examples));
            StepTotals totals = new StepTotals();
            if (shard.examples.isEmpty()) {
                return totals;
            }
            VcnConfig config = model.config();
            MinibatchOrder order = shard.order(config.seed(), worker, config.batchSize(), steps);
            random.setSeed(Seeds.noise(config.seed(), round, worker));
            TrainingStep step = new TrainingStep(model, random);
            for (int j = 0; j < steps; j++) {
                Minibatch batch = Minibatch.of(shard.examples, order.batch(round, j), model.shape().pixels(),
                        model.entities(), model.dataType());
                StepLosses losses = step.fit(batch.images(), batch.present());
                totals.add(terms(losses), losses.examples());
                if (!losses.isFinite()) {
                    totals.markNonFinite();
                    break;
                }
            }
            return totals;
        }
    }
}
