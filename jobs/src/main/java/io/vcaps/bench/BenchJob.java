package io.vcaps.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.bench.ModelBenchmark;
import io.vcaps.core.config.VcnConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    /** Times core's training step or inference at a fixed batch on MNIST-shaped data. */
    @Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Median images/s of the model's training step or inference, and peak RSS.")
    static final class Model implements Callable<Integer> {

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

        @Override
        public Integer call() throws Exception {
            if (!mode.equals("train") && !mode.equals("infer")) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--mode must be train or infer, not " + mode);
            }
            boolean train = mode.equals("train");
            VcnConfig config = conf == null ? VcnConfig.defaults() : VcnConfig.load(conf);
            int b = batch != null ? batch : train ? 100 : 500;
            Map<String, Object> result = ModelBenchmark.run(config, capsnetEquivalent, train, b, warmup, steps);
            result.put("conf", conf == null ? "defaults" : conf.getPath());
            System.out.println(new ObjectMapper().writeValueAsString(result));
            return 0;
        }
    }
}
