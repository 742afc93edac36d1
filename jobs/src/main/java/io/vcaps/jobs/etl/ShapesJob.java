package io.vcaps.jobs.etl;

import io.vcaps.spark.JobCommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code vcaps shapes}: synthetic colour images with independent attributes, for {@code vcaps etl}. */
@Command(name = "shapes", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Writes 64x64 RGB images of one shape on a random two-colour gradient, with seven independent",
            "binary attributes, each present in half the images: round, warm, large, outlined, striped, left, top",
            "(docs/DATA.md). PNG files under OUTPUT/train and OUTPUT/test with OUTPUT/attributes.txt, for:",
            "  vcaps etl --source attributes --input OUTPUT --attributes OUTPUT/attributes.txt \\",
            "    --height 64 --width 64 --channels 3 --output DATASET"})
public final class ShapesJob implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GeneratedCounts counts;

    @Override
    public Integer call() throws Exception {
        counts.check(spec);
        ColourShapes.write(counts.output, counts.train, counts.test, counts.seed);
        spec.commandLine().getOut().printf("shapes: %d training and %d test images of %dx%dx3, attributes %s (seed"
                + " %d) -> %s%n", counts.train, counts.test, ColourShapes.SIDE, ColourShapes.SIDE,
                ColourShapes.ATTRIBUTES, counts.seed, counts.output);
        spec.commandLine().getOut().flush();
        return 0;
    }

    public static void main(String[] args) {
        JobCommandLine.main(new ShapesJob(), args);
    }
}
