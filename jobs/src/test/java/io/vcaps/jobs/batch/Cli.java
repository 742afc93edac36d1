package io.vcaps.jobs.batch;

import io.vcaps.spark.JobCommandLine;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
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

    /** Every file and folder under {@code root} (links not followed), a file with its bytes: what a job left alone. */
    public static Map<String, String> files(Path root) throws java.io.IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                out.put(root.relativize(p).toString(), Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        ? Base64.getEncoder().encodeToString(Files.readAllBytes(p)) : "not a file");
            }
        }
        return out;
    }
}
