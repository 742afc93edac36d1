package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.vcn.EntityPriors;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.TestSpark;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run stopped after a checkpoint and resumed ends with the parameters of a run that was never interrupted: torn
 * checkpoints are ignored, and metrics of rounds trained again are not duplicated.
 */
class ResumeTest {

    @TempDir
    Path dir;

    @Test
    void resumedRunEqualsUninterruptedRun() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 160, 20);
        File conf = TrainFixtures.conf(dir, TrainFixtures.TINY);
        // 2 workers x 2 steps x 20 images = 80 a round: 2 rounds an epoch.
        String[] common = {"train", "--data", data, "--conf", conf.getPath(), "--workers", "2",
                "--averaging-frequency", "2", "--checkpoint-every", "2"};

        Path whole = dir.resolve("whole");
        List<String> jobs = Collections.synchronizedList(new ArrayList<>());
        SparkListener names = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                jobs.add(String.valueOf(start.properties().getProperty("spark.job.description")));
            }
        };
        TestSpark.session().sparkContext().addSparkListener(names);
        assertEquals(0, TrainFixtures.vcaps(concat(common, "--output", whole.toString(), "--epochs", "2")).exit());
        TestSpark.session().sparkContext().listenerBus().waitUntilEmpty();
        TestSpark.session().sparkContext().removeSparkListener(names);
        for (String name : List.of("vcaps train: round 1 of 4", "vcaps train: round 4 of 4",
                "vcaps train: final held-out evaluation after round 4", "vcaps train: fitting the entity priors")) {
            assertTrue(jobs.contains(name), "no Spark job named '" + name + "' in the UI: " + jobs);
        }

        Path parts = dir.resolve("parts");
        assertEquals(0, TrainFixtures.vcaps(concat(common, "--output", parts.toString(), "--epochs", "1.5")).exit());
        Path checkpoints = parts.resolve("checkpoints");
        assertTrue(Files.isDirectory(checkpoints.resolve("round-00000002")));
        assertTrue(Files.isDirectory(checkpoints.resolve("round-00000003")));
        // The run "died" after round 3, before its checkpoint was complete: a torn checkpoint and a staging
        // directory are left, and metrics.jsonl has lines for round 3.
        delete(checkpoints.resolve("round-00000003").resolve("progress.json"));
        Files.writeString(checkpoints.resolve("round-00000003").resolve("model.zip"), "torn");
        Files.createDirectories(checkpoints.resolve(".round-00000004.tmp-x"));
        assertTrue(rounds(parts).contains(3L));

        TrainFixtures.Run resumed = TrainFixtures.vcaps(concat(common, "--output", parts.toString(), "--epochs", "2",
                "--resume"));
        assertEquals(0, resumed.exit(), resumed.err());

        TrainFixtures.assertSameParameters(whole.resolve("model.zip"), parts.resolve("model.zip"));
        VcnModel a = TrainFixtures.bundle(whole.resolve("model.zip"));
        VcnModel b = TrainFixtures.bundle(parts.resolve("model.zip"));
        assertArrayEquals(a.encoder().getUpdater().getStateViewArray().toFloatVector(),
                b.encoder().getUpdater().getStateViewArray().toFloatVector());
        assertEquals(8, a.encoder().getIterationCount()); // 4 rounds of 2 local steps
        assertEquals(8, b.encoder().getIterationCount());
        assertEquals(4, b.provenance().rounds());
        assertEquals(List.of(1L, 2L, 3L, 4L), rounds(parts));
        assertEquals(rounds(whole), rounds(parts));
        EntityPriors fitted = a.priors().orElseThrow(() -> new AssertionError("model.zip has no entity priors"));
        long capsules = 0;
        for (int k = 0; k < fitted.entities(); k++) {
            capsules += fitted.count(k);
            assertArrayEquals(fitted.mean(k), b.priors().orElseThrow().mean(k), 0.0, "entity " + k);
        }
        assertEquals(160, capsules, "every train image's capsule of its entity (fewer than prior-images)");

        JsonNode eval = new ObjectMapper().readTree(parts.resolve("eval.json").toFile());
        assertEquals(20, eval.get("examples").asInt());
        assertTrue(eval.get("accuracy").isNumber());
        assertEquals("last", eval.get("model").asText());
    }

    /** The rounds of the "round" lines of a run's metrics, in order. */
    private static List<Long> rounds(Path run) throws Exception {
        List<Long> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = json.readTree(line);
            if (node.get("type").asText().equals("round")) {
                out.add(node.get("round").asLong());
            }
        }
        return out;
    }

    private static void delete(Path path) throws Exception {
        try (Stream<Path> all = Files.walk(path)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
