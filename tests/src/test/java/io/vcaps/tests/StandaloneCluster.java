package io.vcaps.tests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A Spark standalone master and one worker on 127.0.0.1, started as plain JVMs from the project's resolved jars
 * (there is no Spark distribution here: ../shared/STACK.md). The worker's SPARK_HOME is a folder whose
 * {@code jars/} links to Spark's classpath jars, which is where a worker looks for the executors' classpath.
 * The project's own jars (vcaps-core, vcaps-dataset) are left out of it, so that the jobs' classes reach the
 * executors only in the application jar that spark-submit ships, as on a real cluster.
 */
final class StandaloneCluster {

    /** Every process here binds and advertises the loopback address, whatever the machine's name resolves to. */
    static final Map<String, String> LOOPBACK = Map.of("SPARK_LOCAL_IP", "127.0.0.1");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final int masterPort;
    private final Path masterLog;
    private final Path workerLog;
    private final Path workDir;
    private Process workerProcess;

    private StandaloneCluster(Path dir, int masterPort) {
        this.dir = dir;
        this.masterPort = masterPort;
        this.masterLog = dir.resolve("logs/master.log");
        this.workerLog = dir.resolve("logs/worker.log");
        this.workDir = dir.resolve("work");
    }

    /**
     * Starts a master and a worker of {@code cores} cores and {@code memory} (Spark's size syntax) under
     * {@code dir}; both belong to {@code processes}, which stops them. Returns once the worker has registered.
     */
    static StandaloneCluster start(Project project, Path dir, Processes processes, int cores, String memory)
            throws IOException, InterruptedException {
        int[] ports = freePorts(3);
        StandaloneCluster cluster = new StandaloneCluster(dir, ports[0]);
        Path sparkHome = cluster.sparkHome(project);
        String classpath = sparkHome.resolve("jars").toAbsolutePath() + "/*";
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        List<String> master = new ArrayList<>(List.of(java, "-Xmx256m"));
        master.addAll(Project.java17Flags());
        master.addAll(List.of("-cp", classpath, "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", Integer.toString(ports[0]), "--webui-port",
                        Integer.toString(ports[1])));
        Process masterProcess = processes.start(master, LOOPBACK, cluster.masterLog);
        awaitLine(masterProcess, cluster.masterLog, "I have been elected leader");

        List<String> worker = new ArrayList<>(List.of(java, "-Xmx256m"));
        worker.addAll(Project.java17Flags());
        worker.addAll(List.of("-cp", classpath, "org.apache.spark.deploy.worker.Worker", cluster.masterUrl(),
                "--host", "127.0.0.1", "--webui-port", Integer.toString(ports[2]), "--cores", Integer.toString(cores),
                "--memory", memory, "--work-dir", cluster.workDir.toAbsolutePath().toString()));
        Map<String, String> workerEnvironment = new java.util.HashMap<>(LOOPBACK);
        workerEnvironment.put("SPARK_HOME", sparkHome.toAbsolutePath().toString());
        workerEnvironment.put("SPARK_SCALA_VERSION", scalaBinaryVersion());
        // Executors spill and fetch under here rather than /tmp, and it goes with the rest of the test's files.
        workerEnvironment.put("SPARK_LOCAL_DIRS", dir.resolve("local").toAbsolutePath().toString());
        // The executors the worker starts run this JVM's Java.
        workerEnvironment.put("JAVA_HOME", System.getProperty("java.home"));
        cluster.workerProcess = processes.start(worker, workerEnvironment, cluster.workerLog);
        awaitLine(cluster.workerProcess, cluster.workerLog, "Successfully registered with master");
        return cluster;
    }

    /** The Scala line Spark was built for ({@code 2.12} or {@code 2.13}), which the worker's launcher asks for. */
    private static String scalaBinaryVersion() {
        String full = scala.util.Properties.versionNumberString();
        return full.substring(0, full.lastIndexOf('.'));
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** One folder per application the worker ran executors for ({@code app-*}), each with the executors' logs. */
    List<Path> applications() throws IOException {
        if (!Files.isDirectory(workDir)) {
            return List.of();
        }
        try (Stream<Path> apps = Files.list(workDir)) {
            return apps.filter(p -> p.getFileName().toString().startsWith("app-")).sorted().toList();
        }
    }

    /**
     * The logs ({@code stderr}) of {@code application}'s executors, by executor id (the folder the worker gives
     * each), as far as they are written; read leniently, since a JVM's log may hold bytes that are not UTF-8.
     */
    static Map<String, String> executorLogs(Path application) throws IOException {
        Map<String, String> logs = new TreeMap<>();
        try (Stream<Path> files = Files.walk(application)) {
            for (Path stderr : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
                if (Files.exists(stderr)) {
                    logs.put(stderr.getParent().getFileName().toString(),
                            new String(Files.readAllBytes(stderr), StandardCharsets.ISO_8859_1));
                }
            }
        }
        return logs;
    }

    /** The executor JVMs this cluster's worker runs now (none between applications). */
    List<ProcessHandle> executors() {
        // The worker's own children only: a process an executor forks (Hadoop's shell commands) carries the
        // executor's command line until it runs its own program.
        return workerProcess.children().filter(p -> p.info().commandLine().orElse("")
                .contains("CoarseGrainedExecutorBackend")).toList();
    }

    /** The master's, the worker's and every executor's log files. */
    List<Path> logs() throws IOException {
        List<Path> logs = new ArrayList<>(List.of(masterLog, workerLog));
        if (Files.isDirectory(workDir)) {
            try (Stream<Path> files = Files.walk(workDir)) {
                files.filter(f -> f.getFileName().toString().equals("stderr")).sorted().forEach(logs::add);
            }
        }
        return logs;
    }

    /**
     * Deletes the copies of the application jar the worker made for each application (160 MB each); the
     * executors' logs stay.
     */
    void deleteShippedJars() throws IOException {
        if (!Files.isDirectory(workDir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(workDir)) {
            for (Path jar : files.filter(f -> f.getFileName().toString().endsWith(".jar")).toList()) {
                Files.deleteIfExists(jar);
            }
        }
    }

    private Path sparkHome(Project project) throws IOException {
        Path jars = Files.createDirectories(dir.resolve("spark-home/jars"));
        Set<String> names = new HashSet<>();
        for (Path jar : project.sparkClasspath()) {
            String name = jar.getFileName().toString();
            if (name.startsWith("vcaps-") || !name.endsWith(".jar") || !names.add(name)) {
                continue;
            }
            Files.createSymbolicLink(jars.resolve(name), jar.toAbsolutePath());
        }
        return dir.resolve("spark-home");
    }

    /** Waits until {@code log} holds {@code line}; fails with the log's end if the process dies or time runs out. */
    private static void awaitLine(Process process, Path log, String line) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)
                    && Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1).contains(line)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("exited with " + process.exitValue() + " before logging '" + line
                        + "'; the end"
                        + " of " + log + ":\n" + Processes.tail(log, 40));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + line + "' in " + log + " after " + START_TIMEOUT.toSeconds() + " s:\n"
                + Processes.tail(log, 40));
    }

    /** {@code n} distinct ports free on the loopback address now (another process may still take one later). */
    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }
}
