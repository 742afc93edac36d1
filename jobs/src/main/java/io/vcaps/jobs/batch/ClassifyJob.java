package io.vcaps.jobs.batch;

import io.vcaps.spark.JobCommandLine;
import io.vcaps.spark.OutputMode;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code vcaps classify}: scores a Parquet image dataset with a model bundle, back to Parquet
 * ({@link BatchClassification}).
 */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Classifies every image of a vcaps etl dataset (or of one split) on the",
            "executors and writes Parquet: id, predicted, predicted_name, present, kl,",
            "score, unknown, label, labels, bundle_id, split, reason; with labels, also",
            "_eval.json (per split: accuracy, per-entity precision/recall/F1, confusion",
            "matrix) and _confusion.png.",
            "Exit 0 on success, 1 when the job failed, 2 for bad options."})
public final class ClassifyJob implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "BUNDLE",
            description = "the model bundle (any Hadoop URI)")
    String model;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "the dataset folder written by vcaps etl")
    String data;

    @Option(names = "--output", required = true, paramLabel = "PATH", description = "the folder to write")
    String output;

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "B",
            description = "images per model call on an executor (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--mode", defaultValue = "error", paramLabel = "MODE",
            description = "error or overwrite: what to do when the output exists (default: ${DEFAULT-VALUE})")
    OutputMode mode;

    @Option(names = "--split", paramLabel = "S",
            description = "score only this split (train, test); default: every row, evaluated per split")
    String split;

    @Option(names = "--convert-images", description = {"score images of another size or channel count, converted",
        "to the model's shape as vcaps etl converts them (default: refuse such data)"})
    boolean convertImages;

    @Option(names = "--entity-names", split = ",", paramLabel = "A,B,...", description = {"the dataset's entity"
        + " names in label order, for a labelled dataset without _vcaps.json (default: refuse such a dataset)"})
    List<String> entityNames;

    @Override
    public Integer call() throws Exception {
        ClassifyRequest request;
        try {
            request = new ClassifyRequest(model, data, output, batchSize, mode, split, convertImages,
                    entityNames);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Sessions.refuseSpeculation("vcaps classify");
        SparkSession spark = Sessions.getOrCreate("vcaps classify");
        BatchClassification.Result result = BatchClassification.run(spark, request);
        String eval = result.evaluations().isEmpty()
                ? (result.foreignEntities().isEmpty() ? "no labels" : "no labels the model knows")
                : result.evaluations().entrySet().stream().map(e -> "split " + e.getKey() + ": "
                        + e.getValue().summary()).collect(Collectors.joining("; "));
        if (result.nonFinite() > 0) {
            eval += String.format(Locale.ROOT, "; %d images without a prediction (reason non_finite: their KL was NaN"
                    + " or infinite), counted in %s", result.nonFinite(), ClassificationSchema.EVAL_FILE);
        }
        if (!result.convertedFrom().isEmpty()) {
            eval += "; images of " + String.join(", ", result.convertedFrom()) + " converted to the model's "
                    + result.shape();
        }
        if (!result.foreignEntities().isEmpty()) {
            eval += String.format(Locale.ROOT, "; %d images of entities the model does not know %s scored, not "
                    + "evaluated", result.rows() - result.evaluated() - result.nonFinite(),
                    result.foreignEntities());
        }
        spec.commandLine().getOut().printf("classify: %d images scored by bundle %s (%s) -> %s%n", result.rows(),
                result.bundleId(), eval, output);
        spec.commandLine().getOut().flush();
        return 0;
    }

    public static void main(String[] args) {
        JobCommandLine.main(new ClassifyJob(), args);
    }
}
