package io.vcaps.tests;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's presets, without a cluster: every script parses ({@code bash -n}), and the command line each preset
 * makes ({@code VCAPS_DRY_RUN=1}) carries the flags its kind of cluster needs, the Java 17 flags for driver and
 * executors, and the job's arguments, with the command line winning over the preset. The printed line is split by
 * bash itself, so it is also checked to be a command a shell can run.
 */
class LauncherPresetsTest {

    private static final String[] JOB = {"train", "--data", "hdfs://nn:8020/vcaps/mnist", "--output",
        "s3a://bucket/runs/m1", "--conf", "mnist-small.conf"};

    private final Project project = Project.current();

    @Test
    void everyScriptParses() throws Exception {
        List<Path> scripts = new ArrayList<>(List.of(project.launcher(),
                project.root().resolve("submit-scripts/quickstart")));
        try (Stream<Path> presets = Files.list(project.presets())) {
            presets.filter(p -> p.toString().endsWith(".sh")).sorted().forEach(scripts::add);
        }
        assertTrue(scripts.size() >= 6, "the launcher, the quickstart and four presets: " + scripts);
        for (Path script : scripts) {
            Result result = bash(Map.of(), "bash -n \"$0\"", script.toString());
            assertEquals(0, result.exit(), script + " does not parse: " + result.err());
        }
    }

    @Test
    void localIsTheDefaultAndKeepsTheOldCommandLine() throws Exception {
        Submit plain = dryRun(Map.of(), JOB);
        Submit local = dryRun(Map.of(), prepend(JOB, "--preset", "local"));
        assertEquals(plain.args(), local.args(), "no preset is the local preset");
        assertEquals("local[*]", plain.option("--master"));
        assertEquals("client", plain.option("--deploy-mode"));
        assertEquals("4g", plain.option("--driver-memory"));
        assertEquals("java", plain.args().get(0),
                "without SPARK_HOME Spark's SparkSubmit runs from the project's jars");
        assertTrue(plain.args().contains("org.apache.spark.deploy.SparkSubmit"), plain.args().toString());
        hasJava17Flags(plain);
        endsWithTheJob(plain);
    }

    @Test
    void standaloneNeedsAMasterAndSizesItsExecutors() throws Exception {
        Result missing = bash(Map.of("VCAPS_DRY_RUN", "1"), "\"$0\" --preset standalone train --data d --output o",
                project.launcher().toString());
        assertEquals(2, missing.exit(), "a standalone job without a master is bad usage");
        assertTrue(missing.err().contains("--master"), missing.err());

        Submit fromEnvironment = dryRun(Map.of("VCAPS_MASTER", "spark://master.example:7077",
                "VCAPS_EXECUTOR_CORES", "4", "VCAPS_TOTAL_CORES", "16", "VCAPS_MAX_RESULT_SIZE", "3g"),
                prepend(JOB, "--preset", "standalone"));
        assertEquals("spark://master.example:7077", fromEnvironment.option("--master"));
        assertEquals("client", fromEnvironment.option("--deploy-mode"));
        assertEquals("4g", fromEnvironment.option("--executor-memory"));
        hasConfs(fromEnvironment, Map.of("spark.executor.cores", "4", "spark.cores.max", "16",
                "spark.driver.maxResultSize", "3g"));
        hasJava17Flags(fromEnvironment);
        endsWithTheJob(fromEnvironment);

        String[] job = prepend(JOB, "--preset", "standalone");
        String[] overridden = append(job, "--master", "spark://other:7077", "--executor-memory", "1g",
                "--spark", "spark.executor.cores=1");
        Submit commandLine = dryRun(Map.of("VCAPS_MASTER", "spark://master.example:7077"), overridden);
        assertEquals("spark://other:7077", commandLine.option("--master"), "--master wins over VCAPS_MASTER");
        assertEquals("1g", commandLine.option("--executor-memory"));
        assertEquals("1", commandLine.conf("spark.executor.cores"), "--spark wins over the preset's --conf");
    }

    @Test
    void yarnRunsInTheClusterWithAQueueAndOffHeapHeadroom() throws Exception {
        Map<String, String> env = Map.of("SPARK_HOME", "/opt/spark", "HADOOP_CONF_DIR", "/etc/hadoop/conf",
                "VCAPS_YARN_QUEUE", "ml");
        Submit yarn = dryRun(env, append(prepend(JOB, "--preset", "yarn"), "--executor-memory", "6g"));
        assertEquals("/opt/spark/bin/spark-submit", yarn.args().get(0),
                "YARN needs a Spark distribution's spark-submit");
        assertEquals("yarn", yarn.option("--master"));
        assertEquals("cluster", yarn.option("--deploy-mode"));
        assertEquals("6g", yarn.option("--executor-memory"));
        // The overhead follows the final executor heap, the command line's.
        hasConfs(yarn, Map.of("spark.yarn.queue", "ml", "spark.executor.memoryOverhead", "6g",
                "spark.dynamicAllocation.enabled", "false", "spark.executor.cores", "2"));
        assertTrue(yarn.conf("spark.executor.extraJavaOptions").contains("cachedir=/tmp/vcaps-javacpp-cache"),
                "executors unpack ND4J where a YARN node can write: " + yarn.conf("spark.executor.extraJavaOptions"));
        hasJava17Flags(yarn);
        endsWithTheJob(yarn);

        Result noSpark = bash(Map.of("VCAPS_DRY_RUN", "1", "HADOOP_CONF_DIR", "/etc/hadoop/conf"),
                "\"$0\" --preset yarn train", project.launcher().toString());
        assertEquals(2, noSpark.exit());
        assertTrue(noSpark.err().contains("SPARK_HOME"), noSpark.err());
    }

    @Test
    void k8sSetsImageServiceAccountAndUploadPath() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("SPARK_HOME", "/opt/spark",
                "VCAPS_MASTER", "k8s://https://k8s.example:6443", "VCAPS_K8S_IMAGE", "registry.example/vcaps:0.1.0",
                "VCAPS_K8S_SERVICE_ACCOUNT", "vcaps", "VCAPS_K8S_NAMESPACE", "ml",
                "VCAPS_K8S_UPLOAD_PATH", "s3a://bucket/upload"));
        Submit k8s = dryRun(env, prepend(JOB, "--preset", "k8s"));
        assertEquals("k8s://https://k8s.example:6443", k8s.option("--master"));
        assertEquals("cluster", k8s.option("--deploy-mode"));
        hasConfs(k8s, Map.of("spark.kubernetes.container.image", "registry.example/vcaps:0.1.0",
                "spark.kubernetes.authenticate.driver.serviceAccountName", "vcaps",
                "spark.kubernetes.namespace", "ml", "spark.kubernetes.file.upload.path", "s3a://bucket/upload",
                "spark.executor.memoryOverhead", "4g"));
        assertTrue(k8s.conf("spark.driver.extraJavaOptions").contains("cachedir=/tmp/vcaps-javacpp-cache"),
                "the driver runs in a pod too: " + k8s.conf("spark.driver.extraJavaOptions"));
        hasJava17Flags(k8s);
        endsWithTheJob(k8s);

        env.remove("VCAPS_K8S_UPLOAD_PATH");
        Result nowhereToUpload = bash(withDryRun(env), "\"$0\" --preset k8s train", project.launcher().toString());
        assertEquals(2, nowhereToUpload.exit(), "a local application jar needs an upload path");
        assertTrue(nowhereToUpload.err().contains("VCAPS_K8S_UPLOAD_PATH"), nowhereToUpload.err());
        env.put("VCAPS_JAR", "local:///opt/vcaps/vcaps-app.jar");
        Submit inImage = dryRun(env, prepend(JOB, "--preset", "k8s"));
        assertTrue(inImage.args().contains("local:///opt/vcaps/vcaps-app.jar"),
                "the jar in the image is used as it is");
        assertEquals(null, inImage.conf("spark.kubernetes.file.upload.path"));
    }

    @Test
    void presetsComeFromTheEnvironmentOrAFileAndUnknownOnesAreRefused() throws Exception {
        Map<String, String> env = Map.of("VCAPS_MASTER", "spark://m:7077");
        Submit byFlag = dryRun(env, prepend(JOB, "--preset", "standalone"));
        Map<String, String> byVariable = new HashMap<>(env);
        byVariable.put("VCAPS_PRESET", "standalone");
        assertEquals(byFlag.args(), dryRun(byVariable, JOB).args(), "VCAPS_PRESET is --preset");
        String file = project.presets().resolve("standalone.sh").toString();
        assertEquals(byFlag.args(), dryRun(env, prepend(JOB, "--preset", file)).args(), "a preset given by its path");

        Result unknown = bash(Map.of("VCAPS_DRY_RUN", "1"), "\"$0\" --preset mesos train",
                project.launcher().toString());
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("unknown preset 'mesos'") && unknown.err().contains("standalone"),
                unknown.err());
    }

    private static void hasConfs(Submit submit, Map<String, String> expected) {
        expected.forEach((key, value) -> assertEquals(value, submit.conf(key), key));
    }

    private void hasJava17Flags(Submit submit) {
        for (String property : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            String value = submit.conf(property);
            assertTrue(value != null, property + " is not set");
            List<String> flags = List.of(value.split(" "));
            for (String flag : Project.java17Flags()) {
                assertTrue(flags.contains(flag), property + " lacks " + flag + ": " + value);
            }
        }
    }

    private void endsWithTheJob(Submit submit) {
        List<String> args = submit.args();
        List<String> tail = args.subList(args.size() - JOB.length - 1, args.size());
        assertTrue(tail.get(0).endsWith("vcaps-app.jar"), "the application jar precedes the job: " + tail);
        assertEquals(List.of(JOB), tail.subList(1, tail.size()), "the job and its options, unchanged, come last");
    }

    /** The printed command of {@code vcaps args} with {@code VCAPS_DRY_RUN=1}, split into words by bash. */
    private Submit dryRun(Map<String, String> environment, String... args) throws Exception {
        Result printed = bash(withDryRun(environment), "\"$0\" \"$@\"", project.launcher().toString(), args);
        assertEquals(0, printed.exit(), "vcaps " + String.join(" ", args) + ": " + printed.err());
        List<String> lines = printed.out().lines().toList();
        assertEquals(1, lines.size(), "one command line: " + printed.out());
        // Spark's classpath is printed as "$(cat FILE)"; the stand-in keeps it from being read while splitting.
        Result words = bash(Map.of(), "cat() { echo CLASSPATH-OF:$1; }; eval \"set -- $0\"; printf '%s\\0' \"$@\"",
                lines.get(0));
        assertEquals(0, words.exit(), "the printed command is not valid shell: " + lines.get(0) + "\n" + words.err());
        return new Submit(List.of(words.out().split("\0")));
    }

    private static Map<String, String> withDryRun(Map<String, String> environment) {
        Map<String, String> env = new HashMap<>(environment);
        env.put("VCAPS_DRY_RUN", "1");
        return env;
    }

    /** A spark-submit command line, read as spark-submit reads it: the last --conf of a key wins. */
    private record Submit(List<String> args) {

        /** spark-submit's own arguments: those before the application jar (after it come the job's). */
        List<String> submitArgs() {
            for (int i = 0; i < args.size(); i++) {
                if (args.get(i).endsWith("vcaps-app.jar")) {
                    return args.subList(0, i);
                }
            }
            throw new AssertionError("no application jar in " + args);
        }

        String option(String name) {
            List<String> submit = submitArgs();
            int at = submit.lastIndexOf(name);
            return at < 0 ? null : submit.get(at + 1);
        }

        String conf(String key) {
            List<String> submit = submitArgs();
            Map<String, String> confs = new LinkedHashMap<>();
            for (int i = 0; i + 1 < submit.size(); i++) {
                if (submit.get(i).equals("--conf")) {
                    String[] pair = submit.get(i + 1).split("=", 2);
                    confs.put(pair[0], pair[1]);
                }
            }
            return confs.get(key);
        }
    }

    private record Result(int exit, String out, String err) {
    }

    /**
     * Runs {@code bash -c script arg0 args...} with the launcher's environment variables cleared, then
     * {@code environment} set.
     */
    private Result bash(Map<String, String> environment, String script, String arg0, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", script, arg0));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        for (String name : List.of("SPARK_HOME", "VCAPS_PRESET", "VCAPS_JAR", "VCAPS_SUBMIT_OPTS", "VCAPS_MASTER",
                "HADOOP_CONF_DIR", "YARN_CONF_DIR", "VCAPS_DEPLOY_MODE", "VCAPS_EXECUTOR_MEMORY")) {
            builder.environment().remove(name);
        }
        builder.environment().putAll(environment);
        Path out = Files.createTempFile("vcaps-dry-run", ".out");
        Path err = Files.createTempFile("vcaps-dry-run", ".err");
        try {
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            int exit = process.waitFor();
            return new Result(exit, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String[] prepend(String[] args, String... first) {
        return Stream.concat(Stream.of(first), Stream.of(args)).toArray(String[]::new);
    }

    private static String[] append(String[] args, String... last) {
        return Stream.concat(Stream.of(args), Stream.of(last)).toArray(String[]::new);
    }
}
