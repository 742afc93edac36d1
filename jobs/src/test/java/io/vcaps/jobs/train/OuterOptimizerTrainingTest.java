package io.vcaps.jobs.train;

import io.vcaps.jobs.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vcaps train} with the outer optimizer on E and G: it changes the parameters (against the same run without
 * it), a run resumed from a checkpoint two rounds back ends with the uninterrupted run's parameters (the momentum is
 * in the checkpoint), a resume under other outer settings is refused in one line, and a round whose Spark job
 * failed and was run again leaves the parameters of the run without the fault.
 */
class OuterOptimizerTrainingTest {

    private static final String OUTER = """
            vcaps.training.outer {
              encoder { enabled = true, learning-rate = 0.7, momentum = 0.9, nesterov = true }
              generator { enabled = true, learning-rate = 0.7, momentum = 0.9, nesterov = true }
            }
            """;

    /**
     * One dataset and one uninterrupted outer-optimizer run for both tests (each a full training run on two
     * workers): 4 rounds of one step per worker, a checkpoint after round 2 and after the last.
     */
    @TempDir
    static Path dir;
    private static String data;
    private static File outer;
    private static String[] common;
    private static Path whole;

    @BeforeAll
    static void trainTheUninterruptedRun() throws Exception {
        data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 80, 20);
        outer = TrainFixtures.conf(dir, TrainFixtures.TINY + OUTER);
        common = new String[] {"train", "--data", data, "--workers", "2", "--averaging-frequency", "1",
            "--checkpoint-every", "2"};
        whole = dir.resolve("whole");
        assertEquals(0, TrainFixtures.vcaps(ResumeTest.concat(common, "--conf", outer.getPath(), "--output",
                whole.toString(), "--epochs", "2")).exit());
    }

    @Test
    void resumedWithTheOuterOptimizerEqualsUninterrupted() throws Exception {
        File plain = TrainFixtures.conf(dir, TrainFixtures.TINY);
        Path averaged = dir.resolve("averaged");
        assertEquals(0, TrainFixtures.vcaps(ResumeTest.concat(common, "--conf", plain.getPath(), "--output",
                averaged.toString(), "--epochs", "2")).exit());
        assertFalse(Arrays.equals(TrainFixtures.bundle(whole.resolve("model.zip")).encoder().params().toFloatVector(),
                TrainFixtures.bundle(averaged.resolve("model.zip")).encoder().params().toFloatVector()),
                "the outer step changed nothing");

        Path parts = dir.resolve("parts");
        assertEquals(0, TrainFixtures.vcaps(ResumeTest.concat(common, "--conf", outer.getPath(), "--output",
                parts.toString(), "--epochs", "1.5")).exit());
        Path checkpoints = parts.resolve("checkpoints");
        assertTrue(Files.exists(checkpoints.resolve("round-00000002").resolve("outer-state.bin")));
        // Back to round 2: rounds 3 and 4 are trained again from its parameters and momentum.
        delete(checkpoints.resolve("round-00000003"));

        TrainFixtures.Run refused = TrainFixtures.vcaps(ResumeTest.concat(common, "--conf", plain.getPath(),
                "--output", parts.toString(), "--epochs", "2", "--resume"));
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("outer optimizer"), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());

        TrainFixtures.Run resumed = TrainFixtures.vcaps(ResumeTest.concat(common, "--conf", outer.getPath(),
                "--output", parts.toString(), "--epochs", "2", "--resume"));
        assertEquals(0, resumed.exit(), resumed.err());
        TrainFixtures.assertSameParameters(whole.resolve("model.zip"), parts.resolve("model.zip"));
    }

    @Test
    void aRetriedRoundWithTheOuterOptimizerEqualsTheRunWithoutTheFault() throws Exception {
        Path fault = dir.resolve("fault");
        Files.writeString(fault, "fail the next task");
        System.setProperty(InjectedFaults.FAIL_ONCE, fault.toString());
        Path faulty = dir.resolve("faulty");
        try {
            assertEquals(0, TrainFixtures.vcaps(ResumeTest.concat(common, "--conf", outer.getPath(), "--output",
                    faulty.toString(), "--epochs", "2")).exit());
        } finally {
            System.clearProperty(InjectedFaults.FAIL_ONCE);
        }
        assertFalse(Files.exists(fault), "the injected fault fired");
        assertEquals(1, TrainFixtures.metrics(faulty, "retry").size());
        TrainFixtures.assertSameParameters(whole.resolve("model.zip"), faulty.resolve("model.zip"));
    }

    private static void delete(Path path) throws Exception {
        try (Stream<Path> all = Files.walk(path)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
