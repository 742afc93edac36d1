package io.vcaps.core.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.TrainingStep;
import io.vcaps.core.vcn.VcnModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Times the model alone, no Spark: training steps or inference batches on random data of a given image shape and
 * entity count (MNIST's by default; a configuration's {@code written-for} block, {@link #writtenFor}), reporting
 * the median images/s after warm-up and the peak resident memory. With {@code capsnetEquivalent} the model does
 * the peer CapsNet's work: beta = 0 and a fully connected 512-1024 decoder.
 */
public final class ModelBenchmark {

    /** What the model is timed on: MNIST's 28x28x1 images of 10 entities unless a configuration says otherwise. */
    public record Data(ImageShape shape, int entities, int present) {
        public static final Data MNIST = new Data(new ImageShape(28, 28, 1), 10, 1);

        public Data {
            if (entities < 1 || present < 1 || present > entities) {
                throw new IllegalArgumentException("a benchmark needs at least one entity and 1 to " + entities
                        + " of them present per image, not " + present);
            }
        }
    }

    private ModelBenchmark() {
    }

    /**
     * The data a configuration file was written for (its {@code written-for { height, width, channels, entities }}
     * block, which every file in conf/ has), {@code present} of them per image; MNIST's when it has none.
     */
    public static Data writtenFor(File conf, int present) {
        Config raw = ConfigFactory.parseFile(conf);
        if (!raw.hasPath("written-for")) {
            return new Data(Data.MNIST.shape(), Data.MNIST.entities(), present);
        }
        Config data = raw.getConfig("written-for");
        try {
            return new Data(new ImageShape(data.getInt("height"), data.getInt("width"), data.getInt("channels")),
                    data.getInt("entities"), present);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(conf + ": written-for needs height, width, channels and entities: "
                    + e.getMessage(), e);
        }
    }

    public static Map<String, Object> run(VcnConfig config, boolean capsnetEquivalent, boolean train, int batch,
            int warmup, int steps) {
        return run(config, Data.MNIST, capsnetEquivalent, train, batch, warmup, steps);
    }

    /** As {@link #run(VcnConfig, boolean, boolean, int, int, int)} on images of {@code data}. */
    public static Map<String, Object> run(VcnConfig config, Data data, boolean capsnetEquivalent, boolean train,
            int batch, int warmup, int steps) {
        VcnConfig used = capsnetEquivalent
                ? config.with(new VcnConfig.Loss(config.loss().mPlus(), config.loss().mMinus(), config.loss().lambda(),
                        config.loss().alpha(), 0.0, 0.0),
                        new VcnConfig.Generator("dense", 0, List.of(512, 1024), false))
                : config;
        ImageShape shape = data.shape();
        List<String> entities = IntStream.range(0, data.entities()).mapToObj(String::valueOf).toList();
        VcnModel model = VcnModel.create(used, shape, entities, DataType.FLOAT);
        Nd4j.getRandom().setSeed(used.seed());
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, shape.pixels());
        INDArray t = Nd4j.zeros(DataType.FLOAT, batch, entities.size());
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < data.present(); j++) {
                t.putScalar(b, (b + j) % entities.size(), 1.0);
            }
        }
        TrainingStep step = new TrainingStep(model, Nd4j.getRandomFactory().getNewRandomInstance(used.seed()));
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < warmup + steps; i++) {
            long start = System.nanoTime();
            if (train) {
                step.fit(x, t);
            } else {
                model.classify(x);
            }
            double s = (System.nanoTime() - start) / 1e9;
            if (i >= warmup) {
                seconds.add(s);
            }
        }
        List<Double> sorted = seconds.stream().sorted().toList();
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "model");
        out.put("mode", train ? "train" : "infer");
        out.put("capsnet_equivalent", capsnetEquivalent);
        out.put("beta", used.loss().beta());
        out.put("generator", used.generator().kind());
        out.put("shape", shape.toString());
        out.put("entities", data.entities());
        out.put("present", data.present());
        out.put("batch", batch);
        out.put("steps", steps);
        out.put("median_step_s", round(median));
        out.put("min_step_s", round(sorted.get(0)));
        out.put("img_per_s", round(batch / median));
        out.put("img_per_s_best", round(batch / sorted.get(0)));
        out.put("peak_rss_mb", peakRssMb());
        out.put("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** VmHWM of this process, in MB; -1 where /proc is not there. */
    public static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
