package io.vcaps.jobs.etl;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.nio.file.Path;

/** The options every data generator takes: where to write, how many training and test images, from which seed. */
final class GeneratedCounts {
    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "the folder to write (a local path; must not exist or be empty)")
    Path output;

    @Option(names = "--train", defaultValue = "20000", paramLabel = "N",
            description = "training images (default: ${DEFAULT-VALUE})")
    int train;

    @Option(names = "--test", defaultValue = "10000", paramLabel = "N",
            description = "test images (default: ${DEFAULT-VALUE})")
    int test;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
            description = "the seed every choice follows from (default: ${DEFAULT-VALUE})")
    long seed;

    /** Refuses counts under 1 as a bad option of {@code spec}'s command. */
    void check(CommandSpec spec) {
        if (train < 1 || test < 1) {
            throw new ParameterException(spec.commandLine(), "--train and --test must be at least 1, got " + train
                    + " and " + test);
        }
    }
}
