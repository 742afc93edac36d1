package io.vcaps.spark;

import org.apache.spark.api.java.function.ForeachFunction;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobCommandLineTest {
    private static final String MISSING = "com.fasterxml.jackson.core.exc.StreamConstraintsException";

    /** A job whose code calls a class the classpath lacks, as a jar on a cluster with an older library does. */
    @Command(name = "score")
    static final class MissingClassJob implements Callable<Integer> {
        @Override
        public Integer call() {
            NoClassDefFoundError missing = new NoClassDefFoundError(MISSING.replace('.', '/'));
            missing.initCause(new ClassNotFoundException(MISSING));
            throw missing;
        }
    }

    @Command(name = "vcaps", subcommands = MissingClassJob.class)
    static final class Launcher implements Runnable {
        @Override
        public void run() {
        }
    }

    /**
     * A job that fails while its Spark tasks still run, as a training round does when one worker's shard is gone
     * while the other trains: at exit Spark's shutdown hook stops the SparkContext under the running tasks.
     */
    @Command(name = "doomed")
    static final class FailingSparkJob implements Callable<Integer> {
        static final String REASON = "the shard is gone: /data/part-00000";

        @Override
        public Integer call() throws InterruptedException {
            SparkSession spark = Sessions.getOrCreate("doomed");
            Thread running = new Thread(() -> spark.range(0, 2, 1, 2)
                    .foreach((ForeachFunction<Long>) x -> Thread.sleep(8_000)));
            running.setDaemon(true);
            running.start();
            while (spark.sparkContext().statusTracker().getActiveStageIds().length == 0) {
                Thread.sleep(50);
            }
            Thread.sleep(500);
            throw new JobFailure(REASON);
        }

        public static void main(String[] args) {
            JobCommandLine.main(new FailingSparkJob(), args);
        }
    }

    @Test
    void aFailedJobsLastLineIsItsReasonWithNoStackTraceAfterIt() throws Exception {
        List<String> console = runFailingJob(false);
        assertEquals("doomed failed: " + FailingSparkJob.REASON, console.get(console.size() - 1), console.toString());
        assertTrue(console.stream().noneMatch(line -> line.startsWith("\tat ")), console.toString());
    }

    @Test
    void vcapsDebugKeepsTheStackTraces() throws Exception {
        List<String> console = runFailingJob(true);
        int reason = console.indexOf("doomed failed: " + FailingSparkJob.REASON);
        assertTrue(reason >= 0, console.toString());
        assertTrue(console.subList(reason, console.size()).stream().anyMatch(line -> line.startsWith("\tat ")),
                console.toString());
    }

    /** {@link FailingSparkJob} in a JVM of its own, as a job runs; its console (stdout and stderr) line by line. */
    private static List<String> runFailingJob(boolean debug) throws IOException, InterruptedException {
        Path log = Files.createTempFile("vcaps-failing-job", ".log");
        try {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            // This JVM's flags: the Java 17 opens Spark needs, the heap and ND4J's settings (the parent pom's argLine).
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).forEach(command::add);
            command.addAll(List.of("-Dspark.master=local[2]", "-Dspark.ui.enabled=false",
                    "-cp", System.getProperty("java.class.path"), FailingSparkJob.class.getName()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().remove("VCAPS_DEBUG");
            if (debug) {
                builder.environment().put("VCAPS_DEBUG", "1");
            }
            Process process = builder.start();
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("the failing job did not end in 180 s: " + Files.readString(log));
            }
            assertEquals(JobCommandLine.FAILED, process.exitValue(), Files.readString(log));
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Command(name = "vcaps", mixinStandardHelpOptions = true, subcommands = HelpedJob.class)
    static final class HelpedLauncher implements Runnable {
        @Override
        public void run() {
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true)
    static final class HelpedJob implements Runnable {
        @Override
        public void run() {
            throw new AssertionError("--version runs no job");
        }
    }

    @Test
    void versionNamesVcapsAndTheSparkLineForEveryJob() {
        String expected = "vcaps " + SparkLine.vcaps() + ", built for Spark " + SparkLine.spark() + " (Scala "
                + SparkLine.scala() + ")";
        assertTrue(SparkLine.vcaps().matches("\\d+\\.\\d+\\.\\d+.*"), "the build's version: " + SparkLine.vcaps());
        for (String[] args : List.of(new String[] {"--version"}, new String[] {"train", "--version"})) {
            StringWriter out = new StringWriter();
            int exit = JobCommandLine.create(new HelpedLauncher()).setOut(new PrintWriter(out)).execute(args);
            assertEquals(0, exit);
            assertEquals(expected, out.toString().strip(), String.join(" ", args));
        }
    }

    @Test
    void failuresAreDescribedInOneLine() {
        assertEquals("input not found: /x", JobCommandLine.describe(new RuntimeException("wrapped",
                new JobFailure("input not found: /x"))));
        assertEquals("IOException: disk full on /data", JobCommandLine.describe(new IllegalStateException("outer",
                new IOException("disk full\n on /data"))));
    }

    @Test
    void aMissingClassIsOneLineNamingTheJobTheClassAndTheBuiltSparkLine() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = JobCommandLine.create(new Launcher()).setErr(new PrintWriter(err));

        int exit = commandLine.execute("score");

        assertEquals(JobCommandLine.FAILED, exit);
        String printed = err.toString().strip();
        assertFalse(printed.contains("\n"), printed);
        assertTrue(printed.startsWith("vcaps score failed: ClassNotFoundException: " + MISSING
                + " (a class this jar, built for Spark "
                + SparkLine.spark() + " and Scala " + SparkLine.scala() + ", calls is missing"), printed);
    }
}
