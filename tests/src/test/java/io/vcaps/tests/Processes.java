package io.vcaps.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The child processes one test starts, each writing stdout and stderr to its own log file. {@link #close()} kills
 * every one of them with all its descendants (a Spark worker's executors, a launcher's JVM), and so does a JVM
 * shutdown hook, so that an interrupted or killed test run leaves no Spark process behind.
 */
final class Processes implements AutoCloseable {

    private final List<Process> started = new CopyOnWriteArrayList<>();
    private final Thread hook = new Thread(this::stopAll, "stop-test-processes");

    Processes() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code command} with {@code environment} applied to this JVM's (a null value removes the variable),
     * its output in {@code log}.
     */
    Process start(List<String> command, Map<String, String> environment, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        Process process = builder.start();
        started.add(process);
        return process;
    }

    /**
     * Runs {@code command} to the end and returns its exit code; past {@code timeout} it is killed with its
     * descendants and the test fails with the end of its log.
     */
    int run(List<String> command, Map<String, String> environment, Path log, Duration timeout)
            throws IOException, InterruptedException {
        Process process = start(command, environment, log);
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            stop(process);
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout.toSeconds()
                    + " s; the end of " + log + ":\n" + tail(log, 40));
        }
        started.remove(process);
        return process.exitValue();
    }

    /** Kills {@code process} and its descendants, and waits (briefly) until they are gone. */
    static void stop(Process process) {
        // Listed first: once the parent is gone its children are re-parented and no longer its descendants.
        List<ProcessHandle> tree = new ArrayList<>(process.toHandle().descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                // Still there after SIGKILL: nothing more a test can do; the next one picks other ports.
            }
        }
    }

    private void stopAll() {
        for (Process process : started) {
            stop(process);
        }
        started.clear();
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down: the hook runs (or ran) anyway.
        }
    }

    /** The last {@code lines} lines of a log file, or a note that there is none. */
    static String tail(Path log, int lines) {
        try {
            if (!Files.exists(log)) {
                return "(no " + log + ")";
            }
            // Decoded leniently: a JVM's log may hold bytes that are not UTF-8.
            List<String> all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }
}
