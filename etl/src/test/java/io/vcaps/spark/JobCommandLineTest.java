package io.vcaps.spark;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;

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
