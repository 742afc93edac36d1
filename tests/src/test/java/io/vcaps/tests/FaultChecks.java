package io.vcaps.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.vcn.VcnModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a job disturbed by a fault must still have produced: exactly what the undisturbed job produced. */
final class FaultChecks {

    /** Round-line fields that measure time, which a fault changes; every other field must be equal. */
    private static final List<String> TIMES = List.of("images_per_s", "seconds", "overhead_s", "elapsed_s");
    /** Round-line fields that count what Spark went through, which a fault changes. */
    private static final List<String> HEALTH = List.of("task_failures", "task_retries", "executors_lost");
    /**
     * Round-line fields that count the bytes Spark moved: a task result carries Spark's own metrics beside the mean,
     * whose serialised size differs from run to run by a few bytes.
     */
    private static final List<String> TRAFFIC = List.of("result_bytes", "shuffle_bytes");

    private FaultChecks() {
    }

    /**
     * The same parameters and per-round losses, and a task was lost on the way ({@code log} says so): the disturbed
     * run's first round counts a failed task, a retried one and a lost executor, the undisturbed run none in any.
     */
    static void sameTraining(Path undisturbed, Path disturbed, Path log) throws IOException {
        assertTrue(Processes.tail(log, 10_000).contains("Lost task"), "no task was lost in " + log);
        for (JsonNode round : roundLines(undisturbed)) {
            for (String field : HEALTH) {
                assertEquals(0, round.get(field).asLong(), field + " of the undisturbed run: " + round);
            }
        }
        JsonNode first = roundLines(disturbed).get(0);
        for (String field : HEALTH) {
            assertTrue(first.get(field).asLong() >= 1, field + " of the disturbed run's first round: " + first);
        }
        sameTraining(undisturbed, disturbed);
    }

    /** The same parameters in {@code model.zip} and the same per-round losses in {@code metrics.jsonl}. */
    static void sameTraining(Path undisturbed, Path disturbed) throws IOException {
        VcnModel a = read(undisturbed.resolve("model.zip"));
        VcnModel b = read(disturbed.resolve("model.zip"));
        assertArrayEquals(a.encoder().params().toFloatVector(), b.encoder().params().toFloatVector(), "E");
        assertArrayEquals(a.generator().params().toFloatVector(), b.generator().params().toFloatVector(), "G");
        assertArrayEquals(a.discriminator().params().toFloatVector(), b.discriminator().params().toFloatVector(),
                "D");
        assertEquals(rounds(undisturbed), rounds(disturbed), "per-round losses");
    }

    /**
     * The same rows, none twice, and nothing of the killed attempts left: no {@code _temporary} folder in the output
     * and no staging folder beside it.
     */
    static void sameTable(Path dir, Path undisturbed, Path disturbed, Path log) throws IOException {
        assertTrue(Processes.tail(log, 10_000).contains("Lost task"), "no task was lost in " + log);
        try (Stream<Path> files = Files.walk(disturbed)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith("_temporary")
                    || f.getFileName().toString().startsWith("attempt_")), "attempt files left in " + disturbed);
        }
        try (Stream<Path> siblings = Files.list(disturbed.getParent())) {
            assertFalse(siblings.anyMatch(p -> p.getFileName().toString().startsWith("." + disturbed.getFileName()
                    + ".vcaps-")), "staging folder left beside " + disturbed);
        }
        SparkSession spark = SparkSession.builder().master("local[1]").appName("FaultChecks")
                .config("spark.ui.enabled", false)
                .config("spark.hadoop.hadoop.tmp.dir", dir.resolve("hadoop-tmp").toString()).getOrCreate();
        try {
            Dataset<Row> a = spark.read().parquet(undisturbed.toString());
            Dataset<Row> b = spark.read().parquet(disturbed.toString());
            assertEquals(a.count(), b.count(), "rows");
            assertEquals(b.count(), b.select("id").distinct().count(), "no row twice");
            assertEquals(0, a.exceptAll(b).count(), "rows of the undisturbed output missing from the disturbed");
            assertEquals(0, b.exceptAll(a).count(), "rows of the disturbed output not in the undisturbed");
        } finally {
            spark.stop();
        }
    }

    /** The same files under {@code folder} of both outputs, name for name and byte for byte. */
    static void sameFiles(Path undisturbed, Path disturbed, String folder) throws IOException {
        Map<String, byte[]> a = files(undisturbed.resolve(folder));
        Map<String, byte[]> b = files(disturbed.resolve(folder));
        assertFalse(a.isEmpty(), "no files under " + undisturbed.resolve(folder));
        assertEquals(a.keySet(), b.keySet(), "the files under " + folder);
        a.forEach((name, bytes) -> assertArrayEquals(bytes, b.get(name), folder + "/" + name));
    }

    private static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }

    /** The {@code round} lines of {@code run}'s metrics, without their times, Spark's health counts and bytes. */
    static List<String> rounds(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode node : roundLines(run)) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) node).remove(TIMES);
            ((com.fasterxml.jackson.databind.node.ObjectNode) node).remove(HEALTH);
            ((com.fasterxml.jackson.databind.node.ObjectNode) node).remove(TRAFFIC);
            out.add(node.toString());
        }
        return out;
    }

    /** The round lines of a run's metrics.jsonl, in order. */
    private static List<JsonNode> roundLines(Path run) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = json.readTree(line);
            if (node.get("type").asText().equals("round")) {
                out.add(node);
            }
        }
        assertFalse(out.isEmpty(), "no round in " + run);
        return out;
    }

    private static VcnModel read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return ModelBundle.read(in, file.toString());
        }
    }
}
