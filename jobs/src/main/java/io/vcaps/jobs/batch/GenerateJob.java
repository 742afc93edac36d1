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
import java.util.concurrent.Callable;

/** {@code vcaps generate}: mass synthesis from a model bundle to Parquet and pictures ({@link MassSynthesis}). */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Synthesises N images per entity, or per requested set of entities (each",
            "capsule of the set sampled, the others masked), on the executors, from the",
            "bundle's fitted entity priors (N(0, I) for bundles without them) at temperature T,",
            "and writes",
            "Parquet: id, entity, entity_name, seed, index, temperature, z, label, labels,",
            "height, width, channels, pixels; optionally",
            "_images/ (a PNG per image), _sheets/ (contact sheets) and _traversals/",
            "(latent traversals). The same seed gives byte-identical rows for any",
            "--partitions or executor count.",
            "Exit 0 on success, 1 when the job failed, 2 for bad options."})
public final class GenerateJob implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "BUNDLE",
            description = "the model bundle (any Hadoop URI)")
    String model;

    @Option(names = "--output", required = true, paramLabel = "PATH", description = "the folder to write")
    String output;

    @Option(names = "--per-entity", required = true, paramLabel = "N",
            description = "images per entity, or per requested set")
    long perEntity;

    @Option(names = "--entities", paramLabel = "A[,B...]",
            description = {"a set of entity names: images in which exactly these are present; repeat for more sets",
                "(default: each entity alone)"})
    List<String> entities;

    @Option(names = "--sets", paramLabel = "FILE",
            description = "a file of sets, one a line, each as --entities takes it (blank and # lines skipped)")
    String sets;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
            description = "noise seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--temperature", defaultValue = "0.7", paramLabel = "T",
            description = "scale of the samples' spread around their entity's mean (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--standard-prior",
            description = {"sample z ~ N(0, T^2 I), the paper's prior, even when the bundle has fitted entity",
                "priors (by default their Gaussians, where the generator was trained)"})
    boolean standardPrior;

    @Option(names = "--partitions", paramLabel = "P",
            description = "Spark partitions of the index range (default: Spark's default parallelism)")
    Integer partitions;

    @Option(names = "--images", paramLabel = "FORMAT", description = "also write one image file per image: png")
    String images;

    @Option(names = "--sheets", description = "a contact sheet of the first images of each entity")
    boolean sheets;

    @Option(names = "--traversals", description = "a latent traversal grid per entity, each dimension across [-3, 3]")
    boolean traversals;

    @Option(names = "--mode", defaultValue = "error", paramLabel = "MODE",
            description = "error or overwrite: what to do when the output exists (default: ${DEFAULT-VALUE})")
    OutputMode mode;

    @Override
    public Integer call() throws Exception {
        if (images != null && !images.equalsIgnoreCase("png")) {
            throw new ParameterException(spec.commandLine(), "--images supports png, not " + images);
        }
        GenerateRequest request;
        try {
            request = request(partitions != null ? partitions : 1);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Sessions.refuseSpeculation("vcaps generate");
        SparkSession spark = Sessions.getOrCreate("vcaps generate");
        if (partitions == null) {
            request = request(spark.sparkContext().defaultParallelism());
        }
        MassSynthesis.Result result;
        try {
            result = MassSynthesis.run(spark, request);
        } catch (MassSynthesis.UnknownEntities e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        result.notes().forEach(n -> spec.commandLine().getOut().println("note: " + n));
        spec.commandLine().getOut().printf("generate: %d images of %d %s by bundle %s -> %s%n", result.images(),
                result.sets(), entities == null && sets == null ? "entities" : "entity sets", result.bundleId(),
                output);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private GenerateRequest request(int p) {
        return new GenerateRequest(model, output, perEntity, entities, sets, seed, temperature, p, images != null,
                sheets,
                traversals, mode, standardPrior);
    }

    public static void main(String[] args) {
        JobCommandLine.main(new GenerateJob(), args);
    }
}
