package io.vcaps.tests;

import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.vcn.VcnModel;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Five logical workers trained on {@code local[1]} (one task at a time, in partition order) and on {@code local[2]}
 * (two at once, finishing in whatever order) end with the same parameters, bit for bit: the averaging's sums run in
 * worker order on the executors, never in the order tasks finish. Each job runs through the launcher as a user runs
 * it; the state is cut into three chunks, so the reduce side runs three tasks. And a state that
 * {@code spark.driver.maxResultSize} cannot hold is refused before round 1, in one line.
 */
class TaskPlacementTest {

    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);
    private static final String CONF = """
            vcaps {
              model {
                conv1 { filters = 8, kernel = 9 }
                primary { channels = 4, dim = 8, kernel = 9, stride = 2 }
                capsules { dim = 8, routings = 2 }
                latent-dim = 8
                generator { channels = 8 }
                discriminator { channels = [4, 8] }
              }
              training {
                batch-size = 10, seed = 3, eval-every = 1000, eval-examples = 20, prior-images = 0
                reduce-partitions = 3
              }
            }
            """;

    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void fiveWorkersOnOneCoreOrTwoGiveTheSameParametersAndAStateTooLargeIsRefused() throws Exception {
        Project project = Project.current();
        project.requireBuiltApplication();
        Path dir = Path.of("target", "task-placement").toAbsolutePath();
        FileUtils.deleteDirectory(dir.toFile());
        Path idx = dir.resolve("idx");
        IdxDigits.write(idx, 200, 40);
        Path conf = dir.resolve("tiny.conf");
        Files.writeString(conf, CONF);
        Path dataset = dir.resolve("digits");
        try (Processes processes = new Processes()) {
            run(project, processes, dir, "etl", "local[2]", "--source", "idx", "--input", idx.toString(),
                    "--output", dataset.toString());
            // A state larger than spark.driver.maxResultSize is refused before round 1, in one line (reading the
            // dataset's rows and counts brings a few KiB to the driver: 100k lets them through).
            Path log = dir.resolve("logs").resolve("train-refused.log");
            int refused = processes.run(command(project, "train", "local[2]", "--spark",
                    "spark.driver.maxResultSize=100k", "--data", dataset.toString(), "--conf", conf.toString(),
                    "--output", dir.resolve("refused").toString()), environment(), log, JOB_TIMEOUT);
            String console = Files.readString(log);
            assertEquals(1, refused, console);
            assertTrue(console.contains("spark.driver.maxResultSize = 100k allows: set --spark"
                    + " spark.driver.maxResultSize="), console);
            assertFalse(console.contains("\tat "), "no stack trace: " + console);
            assertFalse(Files.exists(dir.resolve("refused").resolve("model.zip")));
            for (String master : List.of("local[1]", "local[2]")) {
                run(project, processes, dir, "train", master, "--data", dataset.toString(), "--conf",
                        conf.toString(), "--workers", "5", "--averaging-frequency", "2", "--epochs", "2",
                        "--output", dir.resolve(name(master)).toString());
            }
        }
        VcnModel one = bundle(dir.resolve(name("local[1]")).resolve("model.zip"));
        VcnModel two = bundle(dir.resolve(name("local[2]")).resolve("model.zip"));
        assertArrayEquals(one.encoder().params().toFloatVector(), two.encoder().params().toFloatVector(), "E");
        assertArrayEquals(one.generator().params().toFloatVector(), two.generator().params().toFloatVector(), "G");
        assertArrayEquals(one.discriminator().params().toFloatVector(), two.discriminator().params().toFloatVector(),
                "D");
        assertArrayEquals(one.encoder().getUpdater().getStateViewArray().toFloatVector(),
                two.encoder().getUpdater().getStateViewArray().toFloatVector(), "E's Adam state");
        assertEquals(8, one.encoder().getIterationCount(), "4 rounds of 2 steps");
    }

    private static String name(String master) {
        return master.replaceAll("[^a-z0-9]", "");
    }

    private static VcnModel bundle(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return ModelBundle.read(in, file.toString());
        }
    }

    private static void run(Project project, Processes processes, Path dir, String job, String master,
            String... args) throws Exception {
        Path log = dir.resolve("logs").resolve(job + "-" + name(master) + ".log");
        int exit = processes.run(command(project, job, master, args), environment(), log, JOB_TIMEOUT);
        assertEquals(0, exit, "vcaps " + job + " on " + master + " failed; the end of " + log + ":\n"
                + Processes.tail(log, 30));
    }

    private static List<String> command(Project project, String job, String master, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", project.launcher().toString(), job, "--master",
                master, "--driver-memory", "2g", "--spark", "spark.ui.enabled=false"));
        command.addAll(List.of(args));
        return command;
    }

    private static Map<String, String> environment() {
        return Project.launcherEnvironment();
    }
}
