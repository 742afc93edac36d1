package io.vcaps.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Fault injection on the standalone cluster: SIGKILL of the executor JVMs, or of a job's driver, at a moment a job
 * is known to be inside a task, found from the logs and files the job leaves, not from timing guesses.
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
     * Kills an executor of {@code cluster} running a task once the training job has logged its start line and an
     * executor has then started a task: the first round's. Returns the number of executors killed.
     */
    static int killDuringFirstRound(StandaloneCluster cluster, Process job, Path driverLog) throws Exception {
        await(job, "the start line of vcaps train", () -> read(driverLog).contains("vcaps train: "));
        long before = runningTasks(cluster);
        await(job, "a task of the first round", () -> runningTasks(cluster) > before);
        return kill(cluster);
    }

    /**
     * Kills an executor of {@code cluster} running a task once a task attempt of the job writing {@code output} has
     * begun to write (Hadoop's committer made an {@code attempt_*} folder in the staging folder beside {@code output}).
     */
    static int killDuringWrite(StandaloneCluster cluster, Process job, Path output) throws Exception {
        await(job, "a task attempt writing " + output,
                () -> inStaging(output, f -> f.getFileName().toString().startsWith("attempt_")));
        return kill(cluster);
    }

    /**
     * Kills the executor whose task attempt of generate's PNG job is inside the pause that
     * {@code spark.hadoop.vcaps.fault.pause-once=pause} injects: the attempt took {@code pause} away, wrote its JVM's
     * process id to {@code pause.pid} and has a PNG file in its work folder under {@code output}'s staging folder.
     */
    static int killDuringImageWrite(StandaloneCluster cluster, Process job, Path pause, Path output)
            throws Exception {
        Path pid = pause.resolveSibling(pause.getFileName() + ".pid");
        await(job, "a PNG file of a paused task attempt", () -> Files.isRegularFile(pid) && Files.size(pid) > 0
                && inStaging(output, f -> f.toString().contains("/attempt_") && f.toString().endsWith(".png")));
        long paused = Long.parseLong(Files.readString(pid).strip());
        List<ProcessHandle> executors = cluster.executors().stream().filter(p -> p.pid() == paused).toList();
        executors.forEach(ProcessHandle::destroyForcibly);
        return executors.size();
    }

    /** Whether a file or folder under the staging folder beside {@code output} passes {@code test}. */
    private static boolean inStaging(Path output, java.util.function.Predicate<Path> test) throws IOException {
        String staging = "." + output.getFileName() + ".vcaps-";
        try (Stream<Path> siblings = Files.list(output.getParent())) {
            for (Path s : siblings.filter(p -> p.getFileName().toString().startsWith(staging)).toList()) {
                try (Stream<Path> files = Files.walk(s)) {
                    if (files.anyMatch(test)) {
                        return true;
                    }
                } catch (IOException | java.io.UncheckedIOException e) {
                    // The committer moved the folder while it was walked: look again.
                }
            }
        }
        return false;
    }

    /**
     * SIGKILLs the driver of a training job (the launcher and its JVM) inside a round: once a task of that round
     * has taken away {@code pause}, the file that {@code spark.vcaps.fault.pause-round} names, and paused.
     */
    static void killDriverInPausedRound(Process job, Path pause) throws Exception {
        await(job, "a task in the paused round", () -> Files.notExists(pause));
        Processes.stop(job);
    }

    /**
     * Kills one executor of the newest application: the one with the most tasks started and not finished (its
     * {@code stderr}'s "Running task" lines less its "Finished task" lines), so that a task is lost and the other
     * executor lives on.
     */
    private static int kill(StandaloneCluster cluster) throws IOException {
        String busiest = null;
        long most = 0;
        for (Map.Entry<String, String> log : newestExecutorLogs(cluster).entrySet()) {
            long running = count(log.getValue(), "Running task") - count(log.getValue(), "Finished task");
            if (running > most) {
                most = running;
                busiest = log.getKey();
            }
        }
        String id = "--executor-id " + busiest + " ";
        List<ProcessHandle> executors = busiest == null ? List.of() : cluster.executors().stream()
                .filter(p -> p.info().commandLine().orElse("").contains(id)).toList();
        executors.forEach(ProcessHandle::destroyForcibly);
        return executors.size();
    }

    /** "Running task" lines in the executor logs of the newest application. */
    private static long runningTasks(StandaloneCluster cluster) throws IOException {
        return newestExecutorLogs(cluster).values().stream().mapToLong(log -> count(log, "Running task")).sum();
    }

    /** The executor logs of the newest application, by executor id; none before the first. */
    private static Map<String, String> newestExecutorLogs(StandaloneCluster cluster) throws IOException {
        List<Path> apps = cluster.applications();
        return apps.isEmpty() ? Map.of() : StandaloneCluster.executorLogs(apps.get(apps.size() - 1));
    }

    private static long count(String log, String what) {
        return log.lines().filter(l -> l.contains(what)).count();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1) : "";
    }

    private interface Condition {
        boolean holds() throws Exception;
    }
}
