package io.vcaps.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.TrainingStep;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.averaging.MinibatchOrder;
import io.vcaps.jobs.averaging.ParameterAveraging;
import io.vcaps.jobs.averaging.Round;
import io.vcaps.jobs.averaging.TrainingState;
import io.vcaps.jobs.train.Example;
import io.vcaps.jobs.train.Minibatch;
import io.vcaps.jobs.train.TrainingData;
import io.vcaps.jobs.train.VcnTraining;
import io.vcaps.spark.Sessions;
import io.vcaps.spark.WorkerThreads;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code vcaps bench spark-overhead}: the images/s of parameter averaging on Spark (N workers, averaging frequency
 * F) against the same number of training steps in this JVM with no Spark, on the same data and model. Each timed
 * Spark round alternates with its N x F local steps, so a shared machine's other load weighs on both. The ratio
 * says what Spark, the broadcasts, the averaging and splitting the cores between workers cost;
 * {@code mean_overhead_s} is the part of a round outside the slowest worker's steps. One JSON line last.
 */
@Command(name = "spark-overhead", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Images/s of vcaps train's parameter averaging on Spark against the same steps without Spark.")
final class SparkOverheadBench implements Callable<Integer> {

    @Option(names = "--conf", description = "model configuration (HOCON); default: built-in defaults")
    File conf;

    @Option(names = "--workers", defaultValue = "2", description = "workers (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--averaging-frequency", defaultValue = "5",
            description = "local steps per round (default: ${DEFAULT-VALUE})")
    int frequency;

    @Option(names = "--rounds", defaultValue = "4", description = "timed rounds (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed rounds first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--images", defaultValue = "2000",
            description = "synthetic training images when --data is not given (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--data", description = "a vcaps etl dataset to train on instead of synthetic digits")
    String data;

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("spark.master") == null && !new org.apache.spark.SparkConf().contains("spark.master")) {
            System.setProperty("spark.master", "local[" + workers + "]");
        }
        SparkSession spark = Sessions.getOrCreate("vcaps bench spark-overhead");
        VcnConfig config = conf == null ? VcnConfig.defaults() : VcnConfig.load(conf);
        String path = data;
        File scratch = null;
        if (path == null) {
            scratch = Files.createTempDirectory("vcaps-bench-").toFile();
            path = new File(scratch, "digits").getAbsolutePath();
            DigitsDataset.write(spark, path, images, 200, config.seed());
        }
        try {
            Map<String, Object> result = measure(spark, config, path);
            result.put("conf", conf == null ? "defaults" : conf.getPath());
            System.out.println(new ObjectMapper().writeValueAsString(result));
        } finally {
            if (scratch != null) {
                FileSystem.getLocal(spark.sparkContext().hadoopConfiguration()).delete(new Path(scratch.toURI()), true);
            }
        }
        return 0;
    }

    private Map<String, Object> measure(SparkSession spark, VcnConfig config, String path) {
        TrainingData dataset = TrainingData.open(spark, path);
        JavaRDD<Example> shards = dataset.shards(workers);
        int threads = WorkerThreads.plan(spark.sparkContext(), workers);
        VcnTraining training = new VcnTraining(config, dataset.shape(), dataset.entities(), DataType.FLOAT,
                UUID.randomUUID().toString(), threads);
        List<Example> local = new ArrayList<>(dataset.examples(DatasetSchema.TRAIN).collect());
        Collections.sort(local);
        VcnModel model = VcnModel.create(config, dataset.shape(), dataset.entities(), DataType.FLOAT);
        MinibatchOrder order = new MinibatchOrder(config.seed(), 0, local.size(), config.batchSize(), frequency);
        Random random = Nd4j.getRandomFactory().getNewRandomInstance(config.seed());
        TrainingStep step = new TrainingStep(model, random);
        long localSteps = (long) workers * frequency * rounds;

        WorkerThreads.apply(0);
        localSteps(model, step, local, order, 0, frequency);
        ParameterAveraging<Example> averaging = new ParameterAveraging<>(
                JavaSparkContext.fromSparkContext(spark.sparkContext()), training, 0);
        TrainingState state = TrainingState.capture(VcnTraining.networks(VcnModel.create(config, dataset.shape(),
                dataset.entities(), DataType.FLOAT)), 1.0);
        Broadcast<TrainingState> current = averaging.broadcast(state);
        for (int r = 0; r < warmup; r++) {
            current = next(averaging, current, averaging.round(shards, current, r, frequency));
        }

        // Timed: each Spark round next to the same number of local steps, so that the other work on a shared
        // machine weighs on both sides alike.
        long examples = 0;
        double overhead = 0;
        double localSeconds = 0;
        double sparkSeconds = 0;
        for (int r = warmup; r < warmup + rounds; r++) {
            WorkerThreads.apply(0); // the local side gets all of ND4J's threads
            long start = System.nanoTime();
            localSteps(model, step, local, order, frequency + (long) (r - warmup) * workers * frequency,
                    (long) workers * frequency);
            localSeconds += (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            Round round = averaging.round(shards, current, r, frequency);
            sparkSeconds += (System.nanoTime() - start) / 1e9;
            examples += round.totals().examples();
            overhead += round.overheadSeconds();
            current = next(averaging, current, round);
        }
        current.destroy();
        shards.unpersist(false);

        double localRate = localSteps * config.batchSize() / localSeconds;
        double sparkRate = examples / sparkSeconds;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "spark-overhead");
        out.put("master", spark.sparkContext().master());
        out.put("workers", workers);
        out.put("averaging_frequency", frequency);
        out.put("batch", config.batchSize());
        out.put("rounds", rounds);
        out.put("steps_per_side", localSteps);
        out.put("local_s", round3(localSeconds));
        out.put("spark_s", round3(sparkSeconds));
        out.put("local_img_per_s", round3(localRate));
        out.put("spark_img_per_s", round3(sparkRate));
        out.put("mean_round_s", round3(sparkSeconds / rounds));
        out.put("mean_overhead_s", round3(overhead / rounds));
        out.put("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        out.put("threads_per_worker", threads);
        out.put("load_average", loadAverage());
        out.put("ratio", round3(sparkRate / localRate));
        return out;
    }

    private static Broadcast<TrainingState> next(ParameterAveraging<Example> averaging,
            Broadcast<TrainingState> current, Round round) {
        if (!round.isUsable()) {
            throw new IllegalStateException("round " + round.round() + " was not finite");
        }
        Broadcast<TrainingState> next = averaging.broadcast(round.averaged());
        current.destroy();
        return next;
    }

    private static void localSteps(VcnModel model, TrainingStep step, List<Example> data, MinibatchOrder order,
            long first, long count) {
        for (long s = first; s < first + count; s++) {
            Minibatch b = Minibatch.of(data, order.batch(0, (int) s), model.shape().pixels(), model.entities(),
                    model.dataType());
            step.fit(b.images(), b.present());
        }
    }

    /** The 1-minute load average, where /proc has it (the machine may be shared). */
    static String loadAverage() {
        try {
            return Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
