package io.vcaps.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.quality.MultiLabelQuality;
import io.vcaps.core.quality.SynthesisQuality;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.batch.MassSynthesis;
import io.vcaps.jobs.batch.PngImages;
import io.vcaps.jobs.report.QualityMeasures;
import io.vcaps.ml.Bundle;
import io.vcaps.spark.SeparatePaths;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The synthesis measures of a trained model ({@link QualityMeasures}), judged by an independent classifier: per
 * entity on single-label data, per requested set of entities on multi-label data ({@link MultiLabelQuality}).
 */
@Command(name = "quality", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Synthesis quality of a model bundle on a vcaps dataset: trains an independent CNN on",
            "the train split, then reports the share of samples it recognises as their entity, the",
            "Frechet distance of its features of the samples to the test split's, the same distance",
            "for each entity's average training image repeated and for real training images",
            "(computed in the same run), the samples' per-pixel spread and the held-out",
            "reconstruction error and accuracy.",
            "On multi-label data the CNN has a sigmoid per entity, samples are drawn per requested",
            "set (--entities; each entity alone by default), and each set reports the share of",
            "samples showing every requested attribute and the share showing no other, beside the",
            "same shares on real test images and the other attributes' base rates."})
public final class QualityBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "the model bundle")
    String model;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "the dataset (vcaps etl)")
    String data;

    @Option(names = "--per-entity", defaultValue = "1000", paramLabel = "N",
            description = "samples drawn per entity, or per set (default: ${DEFAULT-VALUE})")
    int perEntity;

    @Option(names = "--entities", paramLabel = "A[,B...]",
            description = {"multi-label data: a set of entity names to draw samples of (exactly these present);",
                "repeat for more sets (default: each entity alone)"})
    List<String> entities;

    @Option(names = "--train-images", defaultValue = "60000", paramLabel = "N",
            description = "train images for the classifier and the baselines, at most (default: ${DEFAULT-VALUE})")
    int trainImages;

    @Option(names = "--held-out-images", defaultValue = "10000", paramLabel = "N",
            description = "test images compared against, at most (default: ${DEFAULT-VALUE})")
    int heldOutImages;

    @Option(names = "--classifier-epochs", defaultValue = "2", paramLabel = "E",
            description = "passes of the independent classifier over its images (default: ${DEFAULT-VALUE})")
    double epochs;

    @Option(names = "--temperature", defaultValue = "0.7", paramLabel = "T",
            description = "standard deviation of the samples (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--prior", defaultValue = "bundle", paramLabel = "P",
            description = {"what samples are drawn from: bundle (its fitted entity priors when it has them, else",
                "N(0, I)), fit (priors fitted here to the train images read), standard (N(0, I)) (default:",
                "${DEFAULT-VALUE})"})
    SamplingPrior prior;

    /** What the samples are drawn from. */
    enum SamplingPrior { BUNDLE, FIT, STANDARD }

    @Option(names = "--sheet", paramLabel = "FILE",
            description = "also write a PNG of 10 samples per entity (one row each), drawn as measured")
    Path sheet;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
            description = "noise seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        SparkSession spark = Sessions.getOrCreate("vcaps bench quality");
        SeparatePaths.check(spark.sparkContext().hadoopConfiguration(), "--sheet",
                sheet == null ? null : sheet.toAbsolutePath().toUri().toString(),
                List.of(SeparatePaths.input("--model", model), SeparatePaths.input("--data", data)));
        Bundle bundle = Bundle.load(spark.sparkContext().hadoopConfiguration(), model);
        boolean multiLabel = QualityMeasures.multiLabel(spark, data, bundle.model());
        if (entities != null && !multiLabel) {
            throw new ParameterException(spec.commandLine(), "--entities takes sets of a multi-label dataset; "
                    + data + " is single-label: its samples are drawn per entity");
        }
        int[][] sets;
        try {
            sets = MassSynthesis.sets(bundle.model(), entities);
        } catch (MassSynthesis.UnknownEntities e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        VcnModel sampled = switch (prior) {
            case STANDARD -> bundle.model().withPriors(null);
            case FIT -> QualityMeasures.withFittedPriors(spark, data, bundle.model(), trainImages, seed);
            case BUNDLE -> bundle.model();
        };
        QualityMeasures.Settings settings = new QualityMeasures.Settings(trainImages, heldOutImages, epochs,
                perEntity, temperature, seed);
        Map<String, Object> result;
        double ratio;
        if (multiLabel) {
            MultiLabelQuality q = QualityMeasures.measureMultiLabel(spark, data, sampled, settings, sets);
            result = new LinkedHashMap<>(Map.of("task", "multi-label"));
            result.putAll(new ObjectMapper().convertValue(q, Map.class));
            ratio = q.frechetSamples() / q.frechetAverageImages();
        } else {
            SynthesisQuality q = QualityMeasures.measure(spark, data, sampled, settings);
            result = new LinkedHashMap<>(new ObjectMapper().convertValue(q, Map.class));
            ratio = q.frechetSamples() / q.frechetAverageImages();
        }
        if (sheet != null) {
            List<byte[]> images = new ArrayList<>();
            for (int[] set : sets) {
                images.addAll(PngImages.fromUnit(sampled.synthesise(set, 10, seed, temperature, 0).images()));
            }
            ImageShape shape = sampled.shape();
            Files.write(sheet, PngImages.grid(images, 10, shape.height(), shape.width(), shape.channels(), 2));
        }
        result.put("frechetSamplesOverAverageImages", ratio);
        result.put("prior", sampled.priors().isPresent() ? "fitted" : "standard");
        result.put("model", model);
        result.put("data", data);
        spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(result));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
