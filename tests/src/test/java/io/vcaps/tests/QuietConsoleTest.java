package io.vcaps.tests;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a person sees on the console of {@code submit-scripts/vcaps}, run for real with the local preset and the
 * built application jar: {@code --help} and {@code --version} print their text alone, with no line of Spark's; a job
 * on a local master prints no Spark warning (the hostname lookup's among them); a failed job's last line is its
 * one-line reason.
 */
class QuietConsoleTest {

    private final Project project = Project.current();

    @TempDir
    Path dir;

    @BeforeEach
    void built() throws Exception {
        project.requireBuiltApplication();
    }

    @Test
    void helpIsTheUsageAlone() throws Exception {
        Console console = vcaps("train", "--help");
        assertEquals(0, console.exit(), console.text());
        assertTrue(console.lines().get(0).startsWith("Usage: vcaps train "), console.text());
        assertTrue(console.text().contains("--data=PATH"), console.text());
        noSparkLine(console);
    }

    @Test
    void versionIsOneLine() throws Exception {
        for (String[] args : List.of(new String[] {"--version"}, new String[] {"classify", "--version"})) {
            Console console = vcaps(args);
            assertEquals(0, console.exit(), console.text());
            assertEquals(1, console.lines().size(), console.text());
            assertTrue(console.lines().get(0).matches("vcaps \\d+\\.\\d+\\.\\d+\\S*, built for Spark \\d+\\.\\d+\\.\\d+"
                    + " \\(Scala 2\\.1[23]\\)"), console.text());
        }
    }

    @Test
    void aFailedLocalJobWarnsOfNothingAndEndsWithItsReason() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-idx-files"));
        // Without its UI: a second Spark driver on the machine (another build's tests) would have port 4040, and
        // Spark rightly warns when it takes the next one.
        Console console = vcaps("etl", "--spark", "spark.ui.enabled=false", "--source", "idx", "--input",
                empty.toString(), "--output", dir.resolve("dataset").toString());
        assertEquals(1, console.exit(), console.text());
        String last = console.lines().get(console.lines().size() - 1);
        assertTrue(last.startsWith("vcaps etl failed: no IDX files in "), console.text());
        assertTrue(console.lines().stream().noneMatch(line -> line.contains(" WARN ")), console.text());
        assertTrue(console.lines().stream().anyMatch(line -> line.contains(" INFO EtlPipeline: ")),
                "the job started, on Spark: " + console.text());
    }

    @Test
    void aJobThatStartsNoSessionEndsWithoutSparkShutdownLines() throws Exception {
        Console console = vcaps("shapes", "--train", "4", "--test", "2", "--output", dir.resolve("shapes").toString());
        assertEquals(0, console.exit(), console.text());
        assertTrue(console.text().contains("shapes: "), console.text());
        assertTrue(console.lines().stream().noneMatch(line -> line.contains("ShutdownHookManager")), console.text());
        noSparkLine(console);
    }

    private static void noSparkLine(Console console) {
        for (String line : console.lines()) {
            assertFalse(line.matches(".*\\b(WARN|INFO|ERROR) \\w+: .*"), "a log line: " + line);
        }
    }

    /** The launcher with {@code args}, the environment a person's shell would have, stdout and stderr together. */
    private Console vcaps(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(project.launcher().toString()));
        command.addAll(List.of(args));
        Map<String, String> environment = new HashMap<>();
        for (String name : List.of("SPARK_HOME", "SPARK_LOCAL_IP", "VCAPS_DEBUG", "VCAPS_PRESET", "VCAPS_DRY_RUN",
                "VCAPS_SUBMIT_OPTS")) {
            environment.put(name, null);
        }
        Path log = dir.resolve("console-" + args[0] + ".log");
        try (Processes processes = new Processes()) {
            int exit = processes.run(command, environment, log, Duration.ofMinutes(3));
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return new Console(exit, text, text.lines().filter(line -> !line.isBlank()).toList());
        }
    }

    private record Console(int exit, String text, List<String> lines) {
    }
}
