package io.vcaps.jobs.train;

import io.vcaps.jobs.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The newest checkpoint damaged after it was written (its model.zip truncated or overwritten, its progress.json
 * intact): {@code --resume} passes it over and resumes from the newest good one, ending with the parameters of a
 * run never interrupted; when every checkpoint is damaged it fails naming them, in one line.
 */
class DamagedCheckpointTest {

    @TempDir
    Path dir;

    /**
     * Cuts {@code file} in half and deletes the checksum Hadoop's local file system keeps beside it, as a copy
     * without it would be: then the bundle reader, not the checksum, has to see the damage.
     */
    private static void truncate(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    }

    @Test
    void resumeSkipsADamagedNewestCheckpoint() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 160, 20);
        File conf = TrainFixtures.conf(dir, TrainFixtures.TINY);
        // 2 workers x 2 steps x 20 images = 80 a round: 2 rounds an epoch.
        String[] common = {"train", "--data", data, "--conf", conf.getPath(), "--workers", "2",
                "--averaging-frequency", "2", "--checkpoint-every", "1"};
        Path whole = dir.resolve("whole");
        assertEquals(0, TrainFixtures.vcaps(ResumeTest.concat(common, "--output", whole.toString(), "--epochs", "2"))
                .exit());

        Path parts = dir.resolve("parts");
        assertEquals(0, TrainFixtures.vcaps(ResumeTest.concat(common, "--output", parts.toString(), "--epochs", "1.5"))
                .exit());
        Path newest = parts.resolve("checkpoints/round-00000003/model.zip");
        assertTrue(Files.exists(parts.resolve("checkpoints/round-00000003/progress.json")));
        truncate(newest);

        long start = System.nanoTime();
        TrainFixtures.Run resumed = TrainFixtures.vcaps(ResumeTest.concat(common, "--output", parts.toString(),
                "--epochs", "2", "--resume"));
        System.out.printf("resumed past a damaged checkpoint in %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertEquals(0, resumed.exit(), resumed.err());
        TrainFixtures.assertSameParameters(whole.resolve("model.zip"), parts.resolve("model.zip"));
        assertEquals(4, TrainFixtures.bundle(parts.resolve("model.zip")).provenance().rounds());
    }

    @Test
    void resumeFailsNamingEveryDamagedCheckpoint() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 80, 20);
        File conf = TrainFixtures.conf(dir, TrainFixtures.TINY);
        String[] common = {"train", "--data", data, "--conf", conf.getPath(), "--workers", "2",
                "--averaging-frequency", "1", "--checkpoint-every", "1", "--output", dir.resolve("run").toString()};
        assertEquals(0, TrainFixtures.vcaps(ResumeTest.concat(common, "--epochs", "1")).exit());
        Path first = dir.resolve("run/checkpoints/round-00000001/model.zip");
        Path second = dir.resolve("run/checkpoints/round-00000002/model.zip");
        truncate(first);
        // Overwritten in place with its checksum left: Hadoop's checksum sees it.
        Files.writeString(second, "garbage");
        TrainFixtures.Run resumed = TrainFixtures.vcaps(ResumeTest.concat(common, "--epochs", "2", "--resume"));
        assertEquals(1, resumed.exit(), resumed.err());
        assertEquals(1, resumed.err().strip().lines().count(), resumed.err());
        assertTrue(resumed.err().contains("every checkpoint is damaged")
                && resumed.err().contains("round-00000002 (") && resumed.err().contains("Checksum error")
                && resumed.err().contains("round-00000001 (") && resumed.err().contains("truncated or corrupt"),
                resumed.err());
    }
}
