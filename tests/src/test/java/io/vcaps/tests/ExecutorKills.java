package io.vcaps.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fault injection on the standalone cluster: SIGKILL of the executor JVMs at a moment a job is known to be inside a
 * task, found from the logs and files the job leaves, not from timing guesses.
 */
final class ExecutorKills {

    private static final Duration WAIT = Duration.ofMinutes(3);

    private ExecutorKills() {
    }

    /** Waits until {@code condition} holds or {@code job} ends (a failure: the moment was missed). */
    private static void await(Process job, String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.holds()) {
            if (!job.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("never saw " + what + " before the job "
                        + (job.isAlive() ? "ran " + WAIT.toSeconds() + " s" : "ended"));
            }
            Thread.sleep(50);
        }
    }

    /**
     * Kills every executor of {@code cluster} once the training job has logged its start line and an executor has
     * then started a task: the first round's. Returns the number of executors killed.
     */
    static int killDuringFirstRound(StandaloneCluster cluster, Process job, Path driverLog) throws Exception {
        await(job, "the start line of vcaps train", () -> read(driverLog).contains("vcaps train: "));
        long before = runningTasks(cluster);
        await(job, "a task of the first round", () -> runningTasks(cluster) > before);
        return kill(cluster);
    }

    /**
     * Kills every executor of {@code cluster} once a task attempt of the job writing {@code output} has begun to
     * write (Hadoop's committer made an {@code attempt_*} folder in the staging folder beside {@code output}).
     */
    static int killDuringWrite(StandaloneCluster cluster, Process job, Path output) throws Exception {
        String staging = "." + output.getFileName() + ".vcaps-";
        await(job, "a task attempt writing " + output, () -> {
            try (Stream<Path> siblings = Files.list(output.getParent())) {
                for (Path s : siblings.filter(p -> p.getFileName().toString().startsWith(staging)).toList()) {
                    try (Stream<Path> files = Files.walk(s)) {
                        if (files.anyMatch(f -> f.getFileName().toString().startsWith("attempt_"))) {
                            return true;
                        }
                    } catch (IOException | java.io.UncheckedIOException e) {
                        // The committer moved the folder while it was walked: look again.
                    }
                }
            }
            return false;
        });
        return kill(cluster);
    }

    private static int kill(StandaloneCluster cluster) {
        List<ProcessHandle> executors = cluster.executors();
        executors.forEach(ProcessHandle::destroyForcibly);
        return executors.size();
    }

    /** "Running task" lines in the executor logs of the newest application. */
    private static long runningTasks(StandaloneCluster cluster) throws IOException {
        List<Path> apps = cluster.applications();
        if (apps.isEmpty()) {
            return 0;
        }
        long n = 0;
        try (Stream<Path> files = Files.walk(apps.get(apps.size() - 1))) {
            for (Path stderr : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
                n += read(stderr).lines().filter(l -> l.contains("Running task")).count();
            }
        }
        return n;
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1) : "";
    }

    private interface Condition {
        boolean holds() throws Exception;
    }
}
