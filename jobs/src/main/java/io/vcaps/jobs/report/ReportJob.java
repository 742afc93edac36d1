package io.vcaps.jobs.report;

import io.vcaps.spark.JobCommandLine;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vcaps report}: one self-contained HTML page about a training run ({@link RunReport}). */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Writes one HTML page about a training run, with its pictures as PNG files",
            "beside it: held-out accuracy, loss curves per term and accuracy over rounds,",
            "the confusion matrix of a vcaps classify output, held-out images beside their",
            "reconstructions, samples per entity, latent traversals, and the run's",
            "provenance. Runs on the driver; the folder is replaced whole.",
            "Exit 0 on success, 1 when the report failed, 2 for bad options."})
public final class ReportJob implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", required = true, paramLabel = "RUN_DIR",
            description = "the run directory of vcaps train (any Hadoop URI)")
    String run;

    @Option(names = "--classified", paramLabel = "PATH",
            description = "an output of vcaps classify, for the confusion matrix (default: the section is left out)")
    String classified;

    @Option(names = "--generated", paramLabel = "PATH",
            description = "an output of vcaps generate, whose first images of each entity are shown"
                    + " (default: the report draws samples itself)")
    String generated;

    @Option(names = "--data", paramLabel = "PATH",
            description = "the dataset whose held-out images are reconstructed (default: the one the run trained on)")
    String data;

    @Option(names = "--output", paramLabel = "DIR", description = "the folder to write (default: RUN_DIR/report)")
    String output;

    @Option(names = "--examples", defaultValue = "16", paramLabel = "N",
            description = "held-out images to reconstruct (default: ${DEFAULT-VALUE})")
    int examples;

    @Option(names = "--per-entity", defaultValue = "8", paramLabel = "N",
            description = "samples shown per entity (default: ${DEFAULT-VALUE})")
    int perEntity;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
            description = "noise seed of the samples the report draws (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--temperature", defaultValue = "0.7", paramLabel = "T",
            description = "standard deviation of the samples the report draws (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--quality-images", defaultValue = "10000", paramLabel = "N",
            description = {"train images an independent CNN learns from to judge the samples, and held-out images",
                "they are compared with; 0 skips the synthesis measures (default: ${DEFAULT-VALUE})"})
    int qualityImages;

    @Override
    public Integer call() throws Exception {
        ReportRequest request;
        try {
            request = new ReportRequest(run, classified, generated, data, output, examples, perEntity, seed,
                    temperature, qualityImages);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        SparkSession spark = Sessions.getOrCreate("vcaps report");
        RunReport.Result result = RunReport.write(spark, request);
        URI page = result.page().toUri();
        // A browser's address for a local page: file:///path, where Hadoop writes file:/path.
        String address = "file".equals(page.getScheme()) ? Path.of(page).toUri().toString() : page.toString();
        spec.commandLine().getOut().printf("report: %s (%d pictures%s)%n", address, result.images(),
                result.notes().isEmpty() ? "" : "; " + result.notes().size() + " note(s) on what is left out");
        spec.commandLine().getOut().flush();
        return 0;
    }

    public static void main(String[] args) {
        JobCommandLine.main(new ReportJob(), args);
    }
}
