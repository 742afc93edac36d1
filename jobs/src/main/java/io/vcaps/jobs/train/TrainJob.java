package io.vcaps.jobs.train;

import io.vcaps.jobs.averaging.Network;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vcaps train}: parameter averaging of E, G and D across Spark executors (see {@link TrainingRun}). */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a Variational Capsule Network on a vcaps etl dataset by parameter averaging of the"
                + " encoder, generator and discriminator across Spark executors.",
                "RUN_DIR gets model.zip (the last model), best.zip (the best by held-out accuracy; on multi-label"
                        + " data by mean balanced accuracy), eval.json, metrics.jsonl and checkpoints/."})
public final class TrainJob implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "Parquet dataset written by vcaps etl")
    String data;

    @Option(names = "--output", required = true, paramLabel = "RUN_DIR", description = "run directory (any Hadoop URI)")
    String output;

    @Option(names = "--conf", paramLabel = "FILE", description = "configuration (HOCON); default: built-in defaults")
    File conf;

    @Option(names = "--workers", paramLabel = "N",
            description = "parallel workers (default: vcaps.training.workers; 0 = Spark's default parallelism)")
    Integer workers;

    @Option(names = "--averaging-frequency", paramLabel = "F",
            description = "local steps per worker between averagings (default: vcaps.training.averaging-frequency)")
    Integer averagingFrequency;

    @Option(names = "--epochs", paramLabel = "E", description = "passes over the train split, fractions allowed"
            + " (default: vcaps.training.epochs)")
    Double epochs;

    @Option(names = "--minutes", paramLabel = "M", description = "wall-clock budget; stops after the round that spends"
            + " it (default: vcaps.training.minutes, 0 = none)")
    Double minutes;

    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "rounds between checkpoints (default: vcaps.training.checkpoint-every)")
    Integer checkpointEvery;

    @Option(names = "--resume", description = "continue from the newest checkpoint in RUN_DIR")
    boolean resume;

    @Option(names = "--entity-names", split = ",", paramLabel = "A,B,...", description = {"the dataset's entity names"
            + " in label order, for a dataset without _vcaps.json (default: refuse such a dataset)"})
    List<String> entityNames;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master when run without spark-submit (the launcher takes --master itself)")
    String master;

    @Override
    public Integer call() throws Exception {
        if (master != null) {
            System.setProperty("spark.master", master);
        }
        Sessions.refuseSpeculation("vcaps train");
        SparkSession spark = Sessions.getOrCreate("vcaps train");
        new TrainingRun(spark, new TrainingRun.Request(data, output, conf, workers, averagingFrequency, epochs,
                minutes, checkpointEvery, resume, entityNames), System.out).run();
        return 0;
    }
}
