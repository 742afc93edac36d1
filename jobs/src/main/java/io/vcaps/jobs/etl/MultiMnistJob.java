package io.vcaps.jobs.etl;

import io.vcaps.spark.JobCommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vcaps multimnist}: MultiMNIST canvases from the MNIST IDX files, for {@code vcaps etl} (docs/DATA.md). */
@Command(name = "multimnist", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Writes MultiMNIST (Sabour et al. 2017): two MNIST digits of different classes overlaid on a",
            "36x36 canvas, each shifted by up to 4 pixels, pixel-wise max; the label is the set of both digits.",
            "Training canvases from the training digits, test canvases from the test digits, as PNG files under",
            "OUTPUT/train and OUTPUT/test with OUTPUT/attributes.txt, which vcaps etl reads:",
            "  vcaps etl --source attributes --input OUTPUT --attributes OUTPUT/attributes.txt \\",
            "    --height 36 --width 36 --output DATASET"})
public final class MultiMnistJob implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--mnist", required = true, paramLabel = "DIR",
            description = "folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and"
                    + " t10k-labels-idx1-ubyte (each may be gzipped)")
    Path mnist;

    @Mixin
    GeneratedCounts counts;

    @Override
    public Integer call() throws Exception {
        counts.check(spec);
        MultiMnist.Written written = MultiMnist.write(mnist, counts.output, counts.train, counts.test, counts.seed);
        spec.commandLine().getOut().printf("multimnist: %d training and %d test canvases of %dx%d (seed %d) -> %s%n",
                written.train(), written.test(), MultiMnist.CANVAS, MultiMnist.CANVAS, counts.seed, counts.output);
        spec.commandLine().getOut().flush();
        return 0;
    }

    public static void main(String[] args) {
        JobCommandLine.main(new MultiMnistJob(), args);
    }
}
