package io.vcaps.jobs.batch;

import io.vcaps.spark.JobCommandLine;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Runs a job command line in-process, as the launcher would, keeping its exit code and what it printed. */
public record Cli(int exit, String out, String err) {

    public static Cli run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = JobCommandLine.create(command);
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        int exit = line.execute(args);
        System.out.println("$ " + line.getCommandName() + " " + String.join(" ", args) + "\n-> " + exit + "\n" + out
                + err);
        return new Cli(exit, out.toString(), err.toString());
    }

    /** Whether anything named like {@code output}, or its staging siblings, is in {@code output}'s folder. */
    static boolean leftovers(Path output) throws java.io.IOException {
        if (Files.exists(output)) {
            return true;
        }
        try (Stream<Path> siblings = Files.list(output.getParent())) {
            return siblings.anyMatch(p ->
                    p.getFileName().toString().startsWith("." + output.getFileName() + ".vcaps-"));
        }
    }
}
