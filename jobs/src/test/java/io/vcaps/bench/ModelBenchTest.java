package io.vcaps.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.jobs.batch.Cli;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vcaps bench model} times the face configuration on the data it was written for: 64x64x3 images of 40
 * attributes, several present per image. One training step of two images, so that the test takes seconds.
 */
class ModelBenchTest {

    @Test
    void theFaceConfigurationIsTimedAtFaceSize() throws Exception {
        Path conf = Path.of("..", "conf", "attributes-example.conf");
        assertTrue(Files.isRegularFile(conf), conf.toAbsolutePath().toString());
        Cli run = Cli.run(new BenchJob.Model(), "--conf", conf.toString(), "--mode", "train", "--batch", "2",
                "--warmup", "0", "--steps", "1", "--present", "9");
        assertEquals(0, run.exit(), run.err());
        JsonNode line = new ObjectMapper().readTree(run.out().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertEquals("64x64x3", line.get("shape").asText());
        assertEquals(40, line.get("entities").asInt());
        assertEquals(9, line.get("present").asInt());
        assertEquals("train", line.get("mode").asText());
        assertTrue(line.get("img_per_s").asDouble() > 0 && line.get("peak_rss_mb").asLong() > 0, line.toString());

        Cli tooMany = Cli.run(new BenchJob.Model(), "--conf", conf.toString(), "--present", "41", "--steps", "1");
        assertEquals(2, tooMany.exit(), tooMany.err());
        assertTrue(tooMany.err().contains("1 to 40 of them present per image, not 41"), tooMany.err());
    }
}
