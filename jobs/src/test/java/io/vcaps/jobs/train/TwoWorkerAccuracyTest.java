package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.vcn.Provenance;
import io.vcaps.jobs.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two workers on local[2] train conf/mnist-small.conf, shrunk for speed, on MNIST-shaped digits to a held-out
 * accuracy far above chance (0.1): 20 rounds of 5 local steps per worker; averaging that broke learning would not
 * get there. Its best.zip is the state of its most accurate evaluation, which learning puts after the first.
 */
class TwoWorkerAccuracyTest {

    /**
     * mnist-small with fewer filters, capsule channels and dimensions (a step takes a fraction of the time), a smaller
     * batch and a larger learning rate: alone it passes 0.85 held-out accuracy within 100 steps on these digits.
     */
    static final String SHRINK = """
            vcaps.model.conv1 { filters = 8, kernel = 9 }
            vcaps.model.primary { channels = 4, kernel = 9 }
            vcaps.model.capsules { dim = 8, routings = 2 }
            vcaps.model.latent-dim = 8
            vcaps.model.generator.channels = 8
            vcaps.model.discriminator.channels = [4, 8]
            vcaps.optimizer.encoder-generator.learning-rate = 0.01
            vcaps.training { batch-size = 25, eval-every = 4 }
            """;

    @TempDir
    Path dir;

    @Test
    void twoWorkersLearnDigits() throws Exception {
        String data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 1000, 200);
        String mnistSmall = Files.readString(Path.of("..", "conf", "mnist-small.conf"));
        String conf = TrainFixtures.conf(dir, mnistSmall + "\n" + SHRINK).getPath();
        Path output = dir.resolve("run");
        TrainFixtures.Run run = TrainFixtures.vcaps("train", "--data", data, "--output", output.toString(),
                "--conf", conf, "--workers", "2", "--averaging-frequency", "5", "--epochs", "5");
        assertEquals(0, run.exit(), run.err());
        JsonNode eval = new ObjectMapper().readTree(output.resolve("eval.json").toFile());
        assertEquals(200, eval.get("examples").asInt());
        double accuracy = eval.get("accuracy").asDouble();
        assertTrue(accuracy >= 0.7, "held-out accuracy " + accuracy + " (chance: 0.1)");

        List<JsonNode> evals = TrainFixtures.metrics(output, "eval").stream().filter(n -> !n.get("final").asBoolean())
                .toList();
        JsonNode best = evals.get(0);
        for (JsonNode e : evals) {
            best = e.get("accuracy").asDouble() > best.get("accuracy").asDouble() ? e : best;
        }
        System.out.println("held-out accuracies " + evals.stream().map(e -> e.get("round") + ": "
                + e.get("accuracy")).toList());
        assertTrue(best.get("round").asInt() > 4, "learning made a later evaluation the best: " + evals);
        Provenance.Selection selection = TrainFixtures.bundle(output.resolve("best.zip")).provenance().selection();
        assertEquals(best.get("round").asLong(), selection.bestRound());
        assertEquals(best.get("accuracy").asDouble(), selection.bestValue());
    }
}
