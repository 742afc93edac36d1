package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.vcaps.jobs.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A round whose Spark job fails (one task of it, under local[2], where a task is not retried) is run again from the
 * last good state: the run ends with the parameters and per-round losses of a run without the fault, and
 * metrics.jsonl has a retry line and counts the failed task in that round's line (and nothing in any other round, or
 * in the run without the fault); with {@code round-retries = 0} the run fails naming the round.
 */
class RoundRetryTest {

    @TempDir
    Path dir;

    private TrainFixtures.Run train(String data, File conf, Path output, Path fault) throws Exception {
        if (fault != null) {
            Files.writeString(fault, "fail the next task");
            System.setProperty(InjectedFaults.FAIL_ONCE, fault.toString());
        }
        try {
            return TrainFixtures.vcaps("train", "--data", data, "--conf", conf.getPath(), "--workers", "2",
                    "--averaging-frequency", "1", "--epochs", "2", "--output", output.toString());
        } finally {
            System.clearProperty(InjectedFaults.FAIL_ONCE);
        }
    }

    @Test
    void aFailedRoundIsRetriedFromTheLastGoodState() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 80, 20);
        File conf = TrainFixtures.conf(dir, TrainFixtures.TINY);
        Path clean = dir.resolve("clean");
        assertEquals(0, train(data, conf, clean, null).exit());

        Path faulty = dir.resolve("faulty");
        Path fault = dir.resolve("fault");
        TrainFixtures.Run run = train(data, conf, faulty, fault);
        assertEquals(0, run.exit(), run.err());
        assertFalse(Files.exists(fault), "the injected fault fired");
        List<JsonNode> retries = TrainFixtures.metrics(faulty, "retry");
        assertEquals(1, retries.size(), "one retry line");
        assertEquals(1, retries.get(0).get("round").asInt());
        assertEquals(1, retries.get(0).get("attempt").asInt());
        assertTrue(retries.get(0).get("error").asText().contains("injected fault"), retries.get(0).toString());
        System.out.println("retried round: the failed attempt took " + retries.get(0).get("seconds") + " s");

        assertEquals(losses(clean), losses(faulty), "per-round losses");
        // local[2] never retries a task itself: the failure is the round's, run again by vcaps as a new job.
        List<String> expected = new ArrayList<>();
        for (JsonNode n : TrainFixtures.metrics(clean, "round")) {
            int failures = n.get("round").asInt() == 1 ? 1 : 0;
            expected.add(n.get("round") + ": failures " + failures + ", retries 0, lost 0");
        }
        assertEquals(expected, health(faulty), "task failures, retries and lost executors of each round");
        assertEquals(expected.stream().map(h -> h.replace("failures 1", "failures 0")).toList(), health(clean));
        TrainFixtures.assertSameParameters(clean.resolve("model.zip"), faulty.resolve("model.zip"));
    }

    @Test
    void withoutRetriesTheRunFailsNamingTheRound() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 40, 20);
        File conf = TrainFixtures.conf(dir, TrainFixtures.TINY + "vcaps.training.round-retries = 0\n");
        Path output = dir.resolve("no-retries");
        TrainFixtures.Run run = train(data, conf, output, dir.resolve("fault"));
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("round 1 failed") && run.err().contains("round-retries = 0")
                && run.err().contains("injected fault"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertFalse(Files.exists(output.resolve("model.zip")));
    }

    /** What Spark went through in each round, in order. */
    private static List<String> health(Path run) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode n : TrainFixtures.metrics(run, "round")) {
            out.add(n.get("round") + ": failures " + n.get("task_failures") + ", retries " + n.get("task_retries")
                    + ", lost " + n.get("executors_lost"));
        }
        return out;
    }

    /** Every round line's loss terms and example counts, in order. */
    private static List<String> losses(Path run) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode n : TrainFixtures.metrics(run, "round")) {
            out.add(n.get("round") + " " + n.get("examples") + " " + n.get("margin") + " " + n.get("reconstruction")
                    + " " + n.get("kl_present") + " " + n.get("kl_absent"));
        }
        return out;
    }
}
