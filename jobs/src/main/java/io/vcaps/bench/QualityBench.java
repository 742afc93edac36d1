package io.vcaps.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.quality.SynthesisQuality;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.batch.PngImages;
import io.vcaps.jobs.report.QualityMeasures;
import io.vcaps.ml.Bundle;
import io.vcaps.spark.SeparatePaths;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The synthesis measures of a trained model ({@link QualityMeasures}), judged by an independent classifier. */
@Command(name = "quality", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Synthesis quality of a model bundle on a single-label vcaps dataset: trains an",
            "independent CNN on the train split, then reports the share of samples it recognises as",
            "their entity, the Frechet distance of its features of the samples to the test split's,",
            "the same distance for each entity's average training image repeated and for real",
            "training images (computed in the same run), the samples' per-pixel spread and the",
            "held-out reconstruction error and accuracy."})
public final class QualityBench implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "the model bundle")
    String model;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "the dataset (vcaps etl)")
    String data;

    @Option(names = "--per-entity", defaultValue = "1000", paramLabel = "N",
            description = "samples drawn per entity (default: ${DEFAULT-VALUE})")
    int perEntity;

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
        VcnModel sampled = switch (prior) {
            case STANDARD -> bundle.model().withPriors(null);
            case FIT -> QualityMeasures.withFittedPriors(spark, data, bundle.model(), trainImages, seed);
            case BUNDLE -> bundle.model();
        };
        SynthesisQuality q = QualityMeasures.measure(spark, data, sampled, new QualityMeasures.Settings(
                trainImages, heldOutImages, epochs, perEntity, temperature, seed));
        if (sheet != null) {
            List<byte[]> images = new ArrayList<>();
            for (int k = 0; k < sampled.entities(); k++) {
                images.addAll(PngImages.fromUnit(sampled.synthesise(new int[] {k}, 10, seed, temperature, 0).images()));
            }
            ImageShape shape = sampled.shape();
            Files.write(sheet, PngImages.grid(images, 10, shape.height(), shape.width(), shape.channels(), 2));
        }
        Map<String, Object> result = new LinkedHashMap<>(new ObjectMapper().convertValue(q, Map.class));
        result.put("frechetSamplesOverAverageImages", q.frechetSamples() / q.frechetAverageImages());
        result.put("prior", sampled.priors().isPresent() ? "fitted" : "standard");
        result.put("model", model);
        result.put("data", data);
        System.out.println(new ObjectMapper().writeValueAsString(result));
        return 0;
    }
}
