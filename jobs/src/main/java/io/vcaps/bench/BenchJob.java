package io.vcaps.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.bench.ModelBenchmark;
import io.vcaps.core.config.VcnConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.File;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vcaps bench}: every benchmark of docs/BENCHMARKS.md, one subcommand each, each printing one JSON line last.
 * A new benchmark is a picocli command in this package, listed in {@code subcommands}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks; each prints one JSON line last.",
        subcommands = {BenchJob.Model.class, SparkOverheadBench.class, BatchBenchCommands.Classify.class,
            BatchBenchCommands.Transform.class, BatchBenchCommands.Generate.class, EtlBenchmark.class,
            QualityBench.class, ScalingBench.class})
public final class BenchJob implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /**
     * Times core's training step or inference at a fixed batch on random images of the shape and entity count the
     * configuration was written for (MNIST's without one): 64x64x3 faces of 40 attributes for
     * conf/attributes-example.conf.
     */
    @Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Median images/s of the model's training step or inference, and peak RSS, on random",
                "images of the shape and entity count in the configuration's written-for block",
                "(28x28x1 and 10 without --conf)."})
    static final class Model implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--conf", description = "model configuration (HOCON); default: built-in defaults")
        File conf;

        @Option(names = "--mode", defaultValue = "train", description = "train or infer (default: ${DEFAULT-VALUE})")
        String mode;

        @Option(names = "--capsnet-equivalent",
                description = "the peer CapsNet's work: beta = 0 and a fully connected 512-1024 decoder")
        boolean capsnetEquivalent;

        @Option(names = "--batch", description = "batch size (default: 100 to train, 500 to infer)")
        Integer batch;

        @Option(names = "--steps", defaultValue = "20", description = "timed steps (default: ${DEFAULT-VALUE})")
        int steps;

        @Option(names = "--warmup", defaultValue = "5", description = "untimed steps first (default: ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--present", defaultValue = "1", paramLabel = "N",
                description = "entities present in each image's targets (default: ${DEFAULT-VALUE})")
        int present;

        @Override
        public Integer call() throws Exception {
            if (!mode.equals("train") && !mode.equals("infer")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--mode must be train or infer, not " + mode);
            }
            boolean train = mode.equals("train");
            VcnConfig config = conf == null ? VcnConfig.defaults() : VcnConfig.load(conf);
            int b = batch != null ? batch : train ? 100 : 500;
            ModelBenchmark.Data data;
            try {
                data = conf == null ? new ModelBenchmark.Data(ModelBenchmark.Data.MNIST.shape(),
                        ModelBenchmark.Data.MNIST.entities(), present) : ModelBenchmark.writtenFor(conf, present);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            Map<String, Object> result = ModelBenchmark.run(config, data, capsnetEquivalent, train, b, warmup, steps);
            result.put("conf", conf == null ? "defaults" : conf.getPath());
            spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(result));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
