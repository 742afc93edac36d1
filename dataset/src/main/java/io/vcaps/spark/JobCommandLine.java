package io.vcaps.spark;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;

/**
 * Runs a picocli job command the way every vcaps job runs: {@code --help} and {@code --version}
 * exit 0, a bad flag or value prints the problem and exits 2, a failure prints one line naming what
 * failed and exits 1 (with the stack trace too when {@code VCAPS_DEBUG} is set). A class missing or different on
 * the classpath (a library older than the one vcaps was built with) is such a failure too, not a JVM stack trace.
 * Run by {@link #main}, that line is the last the console shows.
 */
public final class JobCommandLine {
    /** Exit code for bad flags or values. */
    public static final int USAGE = 2;
    /** Exit code for a job that failed. */
    public static final int FAILED = 1;
    private static final int USAGE_WIDTH = 120;

    private JobCommandLine() {
    }

    /** A command line for {@code command} with vcaps' error handling. */
    public static CommandLine create(Object command) {
        return configure(new CommandLine(command));
    }

    /**
     * Applies vcaps' error handling to {@code commandLine} (and so to its subcommands added later), and gives it
     * and its present subcommands that have none a {@code --version} text: vcaps' version and the Spark line.
     */
    public static CommandLine configure(CommandLine commandLine) {
        version(commandLine);
        // The jobs' descriptions are written in lines of up to about 100 characters; picocli re-wraps them at 80
        // wherever it cannot read the terminal's width (a pipe, a log), which breaks every line in two.
        return commandLine
                .setUsageHelpWidth(USAGE_WIDTH)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(JobCommandLine::badArguments)
                .setExecutionStrategy(JobCommandLine::runLast)
                .setExecutionExceptionHandler(JobCommandLine::failed);
    }

    /** picocli's default strategy, except that a {@link LinkageError} reaches {@link #failed} like an exception. */
    private static int runLast(ParseResult parseResult) {
        try {
            return new CommandLine.RunLast().execute(parseResult);
        } catch (LinkageError e) {
            List<CommandLine> parsed = parseResult.asCommandLineList();
            throw new ExecutionException(parsed.get(parsed.size() - 1), String.valueOf(e), e);
        }
    }

    /** Runs {@code command} with {@code args} and returns the exit code. */
    public static int execute(Object command, String... args) {
        return create(command).execute(args);
    }

    /** Runs {@code command} with {@code args} and exits the JVM with its exit code. */
    public static void main(Object command, String... args) {
        // Here, not only when a session starts: a job that starts none (multimnist, shapes, bench model) would keep
        // spark-submit's logging, whose INFO lines from the shutdown hooks end its console.
        Sessions.quietLogging();
        int exit = execute(command, args);
        if (exit != 0 && System.getenv("VCAPS_DEBUG") == null) {
            silenceShutdown();
        }
        System.exit(exit);
    }

    /**
     * Nothing reaches the console after a failed job's one-line reason: at exit Spark's shutdown hooks stop the
     * SparkContext under whatever still runs (tasks, broadcasts, netty channels) and log each interruption, often
     * with a stack trace, which would push the reason off the last line. {@code VCAPS_DEBUG} keeps them.
     */
    private static void silenceShutdown() {
        System.out.flush();
        System.err.flush();
        System.setErr(new PrintStream(OutputStream.nullOutputStream()));
        try {
            Configurator.setAllLevels(LogManager.ROOT_LOGGER_NAME, Level.OFF);
        } catch (LinkageError e) {
            // Another logging backend is bound; what it prints is its configuration's choice.
        }
    }

    private static void version(CommandLine commandLine) {
        CommandLine.Model.CommandSpec spec = commandLine.getCommandSpec();
        if (spec.version().length == 0) {
            spec.version("vcaps " + SparkLine.vcaps() + ", built for Spark " + SparkLine.spark() + " (Scala "
                    + SparkLine.scala() + ")");
        }
        commandLine.getSubcommands().values().forEach(JobCommandLine::version);
    }

    private static int badArguments(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        String name = commandLine.getCommandSpec().qualifiedName();
        err.println(name + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + name + " --help' for the options.");
        err.flush();
        return USAGE;
    }

    private static int failed(Exception e, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        err.println(commandLine.getCommandSpec().qualifiedName() + " failed: " + describe(e));
        if (System.getenv("VCAPS_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return FAILED;
    }

    /**
     * One line for a failure: the message of a {@link JobFailure} anywhere in the cause chain, or else
     * the innermost cause's type and message.
     */
    public static String describe(Throwable e) {
        Throwable innermost = e;
        boolean linkage = false;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof JobFailure) {
                return oneLine(t.getMessage());
            }
            linkage |= t instanceof LinkageError;
            innermost = t;
        }
        String message = innermost.getMessage();
        String type = innermost.getClass().getSimpleName();
        String line = message == null || message.isBlank() ? type : type + ": " + oneLine(message);
        if (linkage) {
            line += " (a class this jar, built for Spark " + SparkLine.spark() + " and Scala " + SparkLine.scala()
                    + ", calls is missing or different on this classpath: an older copy of a library Spark ships"
                    + " comes first, or the jar runs on another Spark line; docs/OPERATIONS.md, \"Spark lines\")";
        }
        return line;
    }

    private static String oneLine(String message) {
        String line = message.strip().replaceAll("\\s*\\R\\s*", " ");
        return line.length() > 1000 ? line.substring(0, 1000) + "..." : line;
    }
}
