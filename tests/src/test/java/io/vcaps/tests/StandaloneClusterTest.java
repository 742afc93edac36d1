package io.vcaps.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipeline as an operator runs it on a cluster: a Spark standalone master and worker on this machine, two
 * one-core executors for each application, and etl, train, classify and generate each submitted by
 * {@code submit-scripts/vcaps --preset standalone} as its own process, on an MNIST-shaped IDX fixture. Checks what
 * each job wrote and that the executors on the worker did the work. Then the faults of docs/OPERATIONS.md
 * ("Faults"), on the same cluster and against the pipeline's outputs: one executor SIGKILLed while classify writes
 * and while generate writes its PNG files (the other lives on); one training run with an executor SIGKILLed inside
 * round 1 and then its driver SIGKILLed inside round 2, resumed; and train, classify and generate refusing
 * speculative execution. The faults run unless the system property {@code vcaps.cluster.faults} is {@code false},
 * which the tests module's {@code spark4} profile sets: what they prove (round retries, checkpoints and resume, the
 * commit of outputs, the refusal) is vcaps' own code, the same on both Spark lines, so they run once, on the
 * default Spark 3.5 line, and the Spark 4 line runs the pipeline part. Everything it writes is under
 * {@code tests/target/standalone-cluster} (logs in {@code logs/}, the executors' in {@code work/app-*}); on failure
 * the ends of all logs are printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {

    private static final int TRAIN = 200;
    private static final int TEST = 100;
    private static final int PER_ENTITY = 12;
    private static final int DIGITS = 10;
    /** Far above what a job needs on two busy cores (10-90 s); a hung job fails the test instead of the build. */
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);

    private final ObjectMapper json = new ObjectMapper();
    private final List<Path> logs = new ArrayList<>();
    private final Processes processes = new Processes();
    private final Path dir = Path.of("target", "standalone-cluster").toAbsolutePath();
    private final Path dataset = dir.resolve("digits");
    private final Path run = dir.resolve("run");
    private final Path classified = dir.resolve("classified");
    private final Path generated = dir.resolve("generated");
    private Project project;
    private StandaloneCluster cluster;
    private Launcher vcaps;
    private String[] train;
    private String[] classify;
    private String[] generate;
    /** The pipeline's job seconds by job, once all four have passed their checks: what the faults compare with. */
    private final Map<String, Double> undisturbed = new TreeMap<>();

    @BeforeAll
    void startCluster() throws Exception {
        project = Project.current();
        project.requireBuiltApplication();
        FileUtils.deleteDirectory(dir.toFile());
        cluster = StandaloneCluster.start(project, dir, processes, 2, "2g");
        vcaps = new Launcher(project, cluster.masterUrl(), processes, dir.resolve("logs"), logs);
        // Two workers, one local step each: one round of 200 images is an epoch; two rounds, a checkpoint each,
        // so that a driver killed in round 2 has round 1's to resume from.
        train = new String[] {"--data", dataset.toString(), "--conf",
            project.conf().resolve("mnist-small.conf").toString(), "--workers", "2", "--averaging-frequency", "1",
            "--epochs", "2", "--checkpoint-every", "1"};
        classify = new String[] {"--model", run.resolve("model.zip").toString(), "--data", dataset.toString(),
            "--split", "test"};
        generate = new String[] {"--model", run.resolve("model.zip").toString(), "--per-entity",
            Integer.toString(PER_ENTITY), "--sheets", "--images", "png"};
    }

    @AfterAll
    void stopCluster() throws IOException {
        try {
            processes.close();
        } finally {
            if (cluster != null) {
                cluster.deleteShippedJars();
            }
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void etlTrainClassifyGenerateRunOnAStandaloneClusterThroughTheLauncher() throws Exception {
        printingLogsOnFailure(() -> {
            Path idx = dir.resolve("idx");
            IdxDigits.write(idx, TRAIN, TEST);
            vcaps.run("etl", "--source", "idx", "--input", idx.toString(), "--output", dataset.toString());
            checkDataset(dataset);
            // The job's own console: warnings from Spark, not its start-up INFO lines (Spark 4 puts them back after
            // spark-submit hands over, unless the job's logging is installed after Spark's own).
            String console = Processes.tail(logs.get(0), 1_000_000);
            assertFalse(console.contains("INFO SparkContext: Running Spark version"), "Spark's INFO lines in "
                    + logs.get(0));

            double trainSeconds = vcaps.run("train", concat(train, "--output", run.toString()));
            checkRun(run);
            double classifySeconds = vcaps.run("classify", concat(classify, "--output", classified.toString()));
            double generateSeconds = vcaps.run("generate", concat(generate, "--output", generated.toString()));
            checkBatchOutputs(dataset, classified, generated);

            List<Path> applications = cluster.applications();
            assertEquals(4, applications.size(), "one application on the worker per job: " + applications);
            for (Path app : applications) {
                assertTrue(StandaloneCluster.executorLogs(app).values().stream()
                        .anyMatch(log -> log.contains("Finished task")), "the executors of " + app.getFileName()
                        + " ran no task");
            }
            undisturbed.putAll(Map.of("train", trainSeconds, "classify", classifySeconds, "generate",
                    generateSeconds));
        });
    }

    @Test
    @Order(2)
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    @DisabledIfSystemProperty(named = "vcaps.cluster.faults", matches = "false",
            disabledReason = "the Spark 4 line (-Pspark4) runs the pipeline part; the faults run on Spark 3.5")
    void executorsAndDriversKilledLoseNothingAndSpeculationIsRefused() throws Exception {
        assertEquals(Set.of("train", "classify", "generate"), undisturbed.keySet(),
                "the undisturbed pipeline, which the faults compare with, did not pass");
        printingLogsOnFailure(() -> {
            // The same classification with the executor SIGKILLed inside a task.
            Path killedClassified = dir.resolve("classified-killed");
            Started killedClassify = vcaps.start("classify-killed", "classify", concat(classify, "--output",
                    killedClassified.toString()));
            assertEquals(1, ExecutorKills.killDuringWrite(cluster, killedClassify.process(), killedClassified),
                    "executors killed while writing");
            double rescored = vcaps.await(killedClassify);
            FaultChecks.sameTable(dir, classified, killedClassified, killedClassify.log());
            System.out.printf("executor killed while classify wrote: %.0f s against %.0f s undisturbed%n",
                    rescored, undisturbed.get("classify"));

            // The executor killed while a task attempt of generate's PNG job has written a file and is paused.
            Path killedGenerated = dir.resolve("generated-killed");
            Path pause = Files.createFile(dir.resolve("pause-png-once"));
            Started killedGenerate = vcaps.start("generate-killed", "generate", concat(generate, "--output",
                    killedGenerated.toString(), "--spark", "spark.hadoop.vcaps.fault.pause-once=" + pause));
            assertEquals(1, ExecutorKills.killDuringImageWrite(cluster, killedGenerate.process(), pause,
                    killedGenerated), "executors killed while PNG files were written");
            double regenerated = vcaps.await(killedGenerate);
            FaultChecks.sameTable(dir, generated, killedGenerated, killedGenerate.log());
            FaultChecks.sameFiles(generated, killedGenerated, "_images");
            FaultChecks.sameFiles(generated, killedGenerated, "_sheets");
            System.out.printf("executor killed while generate wrote PNG files: %.0f s against %.0f s undisturbed%n",
                    regenerated, undisturbed.get("generate"));

            // One training run, two faults: an executor SIGKILLed inside round 1, which Spark recovers within the
            // driver (round 1's line counts the lost executor and its checkpoint is written), then the driver
            // SIGKILLed while a task of round 2 is paused, and the same command with --resume.
            Path resumedRun = dir.resolve("run-resumed");
            Path pauseRound = Files.writeString(dir.resolve("pause-round-2"), "2");
            Started killedTraining = vcaps.start("train-killed", "train", concat(train, "--output",
                    resumedRun.toString(), "--spark", "spark.vcaps.fault.pause-round=" + pauseRound));
            assertEquals(1, ExecutorKills.killDuringFirstRound(cluster, killedTraining.process(),
                    killedTraining.log()), "executors killed during the round");
            ExecutorKills.killDriverInPausedRound(killedTraining.process(), pauseRound);
            double beforeKill = (System.nanoTime() - killedTraining.start()) / 1e9;
            assertEquals(1, FaultChecks.rounds(resumedRun).size(), "rounds done when the driver was killed");
            Started resume = vcaps.start("train-resumed", "train", concat(train, "--output", resumedRun.toString(),
                    "--resume"));
            double resumed = vcaps.await(resume);
            assertTrue(Processes.tail(resume.log(), 10_000).contains("resuming from "),
                    "the resumed run started from the checkpoint");
            FaultChecks.sameTraining(run, resumedRun, killedTraining.log());
            System.out.printf("executor killed in round 1, driver killed in round 2 after %.0f s, resumed in %.0f s,"
                    + " against %.0f s undisturbed%n", beforeKill, resumed, undisturbed.get("train"));

            // Every job that would run tasks refuses speculative execution, before it starts a SparkContext.
            Map<String, String[]> speculativeJobs = new TreeMap<>(Map.of(
                    "train", concat(train, "--output", dir.resolve("speculative-train").toString()),
                    "classify", concat(classify, "--output", dir.resolve("speculative-classify").toString()),
                    "generate", concat(generate, "--output", dir.resolve("speculative-generate").toString())));
            Map<String, Started> speculative = new TreeMap<>();
            for (Map.Entry<String, String[]> job : speculativeJobs.entrySet()) {
                speculative.put(job.getKey(), vcaps.start(job.getKey() + "-speculative", job.getKey(),
                        concat(job.getValue(), "--spark", "spark.speculation=true")));
            }
            for (Map.Entry<String, Started> job : speculative.entrySet()) {
                Started started = job.getValue();
                assertTrue(started.process().waitFor(JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
                assertEquals(1, started.process().exitValue(), job.getKey() + " with spark.speculation=true");
                String jobConsole = Files.readString(started.log());
                assertTrue(jobConsole.contains("vcaps " + job.getKey() + " refuses speculative execution"),
                        Processes.tail(started.log(), 5));
                // Refused before its SparkContext starts: nothing registered with the master, nothing to tear down.
                assertFalse(jobConsole.contains("\tat "), job.getKey() + " printed a stack trace:\n"
                        + Processes.tail(started.log(), 20));
                assertTrue(Files.notExists(dir.resolve("speculative-" + job.getKey())), "no output of "
                        + job.getKey());
            }
        });
    }

    /** Runs {@code body}; if it fails, prints the ends of the jobs', master's, worker's and executors' logs. */
    private void printingLogsOnFailure(Body body) throws Exception {
        try {
            body.run();
        } catch (Throwable failure) {
            List<Path> all = new ArrayList<>(logs);
            all.addAll(cluster.logs());
            for (Path log : all) {
                System.err.println("==== the end of " + log + "\n" + Processes.tail(log, 30));
            }
            throw failure;
        }
    }

    private void checkDataset(Path dataset) throws IOException {
        JsonNode meta = json.readTree(dataset.resolve("_vcaps.json").toFile());
        assertEquals(TRAIN, meta.at("/counts/train/total").asInt(), "train images in _vcaps.json");
        assertEquals(TEST, meta.at("/counts/test/total").asInt(), "test images in _vcaps.json");
        assertEquals(0, meta.at("/rejects/total").asInt(), "rejects in _vcaps.json");
        for (int digit = 0; digit < DIGITS; digit++) {
            assertEquals(TRAIN / DIGITS, meta.at("/counts/train/per_entity/" + digit).asInt(), "train digit " + digit);
            assertEquals(TEST / DIGITS, meta.at("/counts/test/per_entity/" + digit).asInt(), "test digit " + digit);
        }
    }

    private void checkRun(Path run) throws IOException {
        assertTrue(Files.size(run.resolve("model.zip")) > 0, "model.zip is empty");
        assertTrue(Files.size(run.resolve("best.zip")) > 0, "best.zip is empty");
        JsonNode eval = json.readTree(run.resolve("eval.json").toFile());
        assertTrue(eval.path("accuracy").isNumber(), "eval.json has no accuracy: " + eval);
        double accuracy = eval.get("accuracy").asDouble();
        assertTrue(accuracy >= 0 && accuracy <= 1, "accuracy " + accuracy);
        assertEquals(TEST, eval.path("examples").asInt(), "eval.json scores the whole test split");
    }

    private void checkBatchOutputs(Path dataset, Path classified, Path generated) throws IOException {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("StandaloneClusterTest")
                .config("spark.ui.enabled", false)
                .config("spark.hadoop.hadoop.tmp.dir", dir.resolve("hadoop-tmp").toString())
                .getOrCreate();
        try {
            Set<String> testIds = ids(spark.read().parquet(dataset.toString()).where("split = 'test'").select("id")
                    .collectAsList());
            List<Row> scored = spark.read().parquet(classified.toString()).select("id", "predicted").collectAsList();
            assertEquals(TEST, scored.size(), "classify writes one row per test image");
            assertEquals(testIds, ids(scored), "classify scores exactly the test split");
            assertTrue(scored.stream().allMatch(r -> r.getInt(1) >= 0 && r.getInt(1) < DIGITS), "predicted digits");
            JsonNode eval = json.readTree(classified.resolve("_eval.json").toFile());
            assertEquals(TEST, eval.path("rows").asInt(), "_eval.json rows");
            assertTrue(eval.path("accuracy").isNumber(), "_eval.json has no accuracy: " + eval);

            Map<String, Long> perEntity = spark.read().parquet(generated.toString()).select("entity_name")
                    .collectAsList().stream()
                    .collect(Collectors.groupingBy(r -> r.getString(0), TreeMap::new, Collectors.counting()));
            Map<String, Long> expected = new TreeMap<>();
            IntStream.range(0, DIGITS).forEach(d -> expected.put(Integer.toString(d), (long) PER_ENTITY));
            assertEquals(expected, perEntity, "generate writes --per-entity images of every digit");
            try (Stream<Path> sheets = Files.list(generated.resolve("_sheets"))) {
                assertEquals(DIGITS, sheets.filter(p -> p.toString().endsWith(".png")).count(), "contact sheets");
            }
            try (Stream<Path> images = Files.walk(generated.resolve("_images"))) {
                assertEquals(DIGITS * PER_ENTITY, images.filter(p -> p.toString().endsWith(".png")).count(),
                        "a PNG file per generated image");
            }
        } finally {
            spark.stop();
        }
    }

    private static Set<String> ids(List<Row> rows) {
        return rows.stream().map(r -> r.getString(0)).collect(Collectors.toSet());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A test's steps, which may throw anything. */
    private interface Body {
        void run() throws Exception;
    }

    /** A job started and not yet awaited. */
    private record Started(String name, Process process, Path log, long start) {
    }

    /** {@code submit-scripts/vcaps --preset standalone JOB --master URL ...} as its own process, logged to a file. */
    private record Launcher(Project project, String master, Processes processes, Path logDir, List<Path> logs) {

        /** Starts {@code job}, its log named after {@code name}. */
        Started start(String name, String job, String... jobArgs) throws IOException {
            List<String> command = new ArrayList<>(List.of("bash", project.launcher().toString(),
                    "--preset", "standalone", job, "--master", master,
                    "--driver-memory", "1g", "--executor-memory", "1g", "--spark", "spark.ui.enabled=false"));
            command.addAll(List.of(jobArgs));
            Path log = logDir.resolve(name + ".log");
            logs.add(log);
            return new Started(name, processes.start(command, environment(), log), log, System.nanoTime());
        }

        /** Waits for a started job, failing unless it exits 0 in time; returns its seconds. */
        double await(Started job) throws InterruptedException {
            if (!job.process().waitFor(JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                Processes.stop(job.process());
                throw new AssertionError(job.name() + " did not finish; the end of " + job.log() + ":\n"
                        + Processes.tail(job.log(), 30));
            }
            double seconds = (System.nanoTime() - job.start()) / 1e9;
            System.out.printf("vcaps %s: exit %d after %.0f s%n", job.name(), job.process().exitValue(), seconds);
            assertEquals(0, job.process().exitValue(), "vcaps " + job.name() + " failed; the end of " + job.log()
                    + ":\n" + Processes.tail(job.log(), 30));
            return seconds;
        }

        private static Map<String, String> environment() {
            Map<String, String> environment = Project.launcherEnvironment();
            // Two one-core executors on the two-core worker: a fault kills one, and the other lives on.
            environment.put("VCAPS_EXECUTOR_CORES", "1");
            return environment;
        }

        /** Runs {@code job} to the end, failing unless it exits 0 in time; returns its seconds. */
        double run(String job, String... jobArgs) throws IOException, InterruptedException {
            return await(start(job, job, jobArgs));
        }
    }
}
