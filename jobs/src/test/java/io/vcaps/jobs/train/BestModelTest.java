package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.vcn.Provenance;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * best.zip beside model.zip: the state of the most accurate held-out evaluation (the first of equals), with its own
 * entity priors, each bundle saying which it is; early stopping after {@code patience} evaluations without
 * improvement, with a {@code stop} line and the outputs of a normal end; and both carried through {@code --resume}.
 */
class BestModelTest {

    /** Every round evaluated on all 20 held-out images, a checkpoint each round, all kept. */
    private static final String EVERY_ROUND = "vcaps.training { eval-every = 1, checkpoints-kept = 20 }\n";

    @TempDir
    static Path dir;
    private static String data;

    @BeforeAll
    static void data() throws Exception {
        data = TrainFixtures.digits(TestSpark.session(), dir.resolve("digits"), 80, 20);
    }

    /** 2 workers x 1 step x 20 images: 2 rounds an epoch. */
    private static TrainFixtures.Run train(File conf, Path output, String epochs, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data, "--conf", conf.getPath(), "--workers",
                "2", "--averaging-frequency", "1", "--checkpoint-every", "1", "--epochs", epochs, "--output",
                output.toString()));
        args.addAll(Arrays.asList(more));
        return TrainFixtures.vcaps(args.toArray(new String[0]));
    }

    @Test
    void theBestIsTheFirstMostAccurateEvaluation() throws Exception {
        File conf = TrainFixtures.conf(dir, TrainFixtures.TINY + EVERY_ROUND);
        Path run = dir.resolve("plain");
        assertEquals(0, train(conf, run, "3").exit());

        List<JsonNode> evals = evaluations(run);
        assertEquals(6, evals.size(), "one evaluation on the sample a round, the last round's included");
        int best = 0;
        for (int i = 1; i < evals.size(); i++) {
            best = evals.get(i).get("accuracy").asDouble() > evals.get(best).get("accuracy").asDouble() ? i : best;
        }
        long bestRound = evals.get(best).get("round").asLong();
        double bestAccuracy = evals.get(best).get("accuracy").asDouble();
        System.out.println("held-out accuracies " + evals.stream().map(e -> e.get("accuracy").asText()).toList()
                + ": best after round " + bestRound);

        VcnModel most = TrainFixtures.bundle(run.resolve("best.zip"));
        assertSelection(most, Provenance.Selection.BEST, bestRound, bestAccuracy);
        assertEquals(bestRound, most.provenance().rounds());
        TrainFixtures.assertSameParameters(checkpoint(run, bestRound), run.resolve("best.zip"));
        assertTrue(most.priors().isPresent(), "best.zip has entity priors");

        VcnModel last = TrainFixtures.bundle(run.resolve("model.zip"));
        assertSelection(last, Provenance.Selection.LAST, bestRound, bestAccuracy);
        assertEquals(6, last.provenance().rounds());
        JsonNode eval = new ObjectMapper().readTree(run.resolve("eval.json").toFile());
        assertEquals(bestRound, eval.get("best_round").asLong());
        assertEquals("accuracy", eval.get("best_measure").asText(), "single-label runs select by accuracy");
        assertEquals(bestAccuracy, eval.get("best_value").asDouble());
        assertTrue(TrainFixtures.metrics(run, "stop").isEmpty(), "a run that ran its epochs did not stop early");
    }

    @Test
    void earlyStoppingEndsTheRunAndSurvivesResume() throws Exception {
        // Learning rates so small that no prediction changes: every evaluation equals the first, the best.
        File conf = TrainFixtures.conf(dir, TrainFixtures.TINY + EVERY_ROUND
                + "vcaps.training.early-stopping.patience = 2\n"
                + "vcaps.optimizer.encoder-generator.learning-rate = 1e-7\n"
                + "vcaps.optimizer.discriminator.learning-rate = 1e-7\n");
        Path whole = dir.resolve("whole");
        assertEquals(0, train(conf, whole, "5").exit());
        List<JsonNode> evals = evaluations(whole);
        assertEquals(3, evals.size(), "evaluations of rounds 1 to 3: " + evals);
        assertTrue(evals.stream().allMatch(e -> e.get("accuracy").equals(evals.get(0).get("accuracy"))),
                "the learning rates did not keep the accuracy constant: " + evals);
        assertStoppedAfterRound3(whole);

        VcnModel most = TrainFixtures.bundle(whole.resolve("best.zip"));
        VcnModel last = TrainFixtures.bundle(whole.resolve("model.zip"));
        double accuracy = evals.get(0).get("accuracy").asDouble();
        assertSelection(most, Provenance.Selection.BEST, 1, accuracy);
        assertSelection(last, Provenance.Selection.LAST, 1, accuracy);
        assertEquals(3, last.provenance().rounds());
        TrainFixtures.assertSameParameters(checkpoint(whole, 1), whole.resolve("best.zip"));
        TrainFixtures.assertSameParameters(checkpoint(whole, 3), whole.resolve("model.zip"));
        assertFalse(Arrays.equals(most.encoder().params().toFloatVector(), last.encoder().params().toFloatVector()),
                "best.zip holds round 1's parameters, model.zip round 3's");
        assertFalse(Arrays.equals(most.priors().orElseThrow().mean(0), last.priors().orElseThrow().mean(0)),
                "best.zip's priors are fitted to its own model, not copied from model.zip");
        assertTrue(Files.exists(whole.resolve("eval.json")));
        try (var names = Files.list(whole.resolve("checkpoints"))) {
            assertEquals(List.of("best-round-00000001.zip"), names.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("best")).toList(), "only the best model a checkpoint names is kept");
        }

        // The same run ended by its epochs after round 2, then resumed: the count of evaluations without
        // improvement and the best model come from the checkpoint, so it stops where the whole run stopped.
        Path parts = dir.resolve("parts");
        assertEquals(0, train(conf, parts, "1").exit());
        assertTrue(TrainFixtures.metrics(parts, "stop").isEmpty());
        TrainFixtures.Run resumed = train(conf, parts, "5", "--resume");
        assertEquals(0, resumed.exit(), resumed.err());
        assertStoppedAfterRound3(parts);
        TrainFixtures.assertSameParameters(whole.resolve("best.zip"), parts.resolve("best.zip"));
        TrainFixtures.assertSameParameters(whole.resolve("model.zip"), parts.resolve("model.zip"));
        assertSelection(TrainFixtures.bundle(parts.resolve("best.zip")), Provenance.Selection.BEST, 1, accuracy);
    }

    @Test
    void aBadPatienceIsRefusedNamingTheKey() throws Exception {
        for (String line : List.of("patience = -1", "patience = lots", "patiense = 3")) {
            File conf = TrainFixtures.conf(dir, TrainFixtures.TINY + "vcaps.training.early-stopping." + line + "\n");
            Path output = dir.resolve("refused-" + Math.abs(line.hashCode()));
            TrainFixtures.Run run = train(conf, output, "1");
            assertEquals(1, run.exit(), line);
            assertTrue(run.err().contains("early-stopping.patience") && run.err().contains("vcaps.training"),
                    line + ": " + run.err());
            assertFalse(Files.exists(output.resolve("model.zip")));
        }
    }

    private static void assertStoppedAfterRound3(Path run) throws Exception {
        List<JsonNode> stops = TrainFixtures.metrics(run, "stop");
        assertEquals(1, stops.size(), "one stop line");
        JsonNode stop = stops.get(0);
        assertEquals(3, stop.get("round").asInt(), stop.toString());
        assertEquals("early-stopping", stop.get("reason").asText());
        assertEquals(1, stop.get("best_round").asInt());
        assertEquals(2, stop.get("evaluations_without_improvement").asInt());
        assertTrue(stop.get("message").asText().contains("patience = 2"), stop.toString());
        assertEquals(List.of(1, 2, 3), TrainFixtures.metrics(run, "round").stream().map(n -> n.get("round").asInt())
                .toList());
        List<JsonNode> finals = TrainFixtures.metrics(run, "eval").stream()
                .filter(n -> n.get("final").asBoolean()).toList();
        assertEquals(3, finals.get(finals.size() - 1).get("round").asInt(), "the final evaluation after round 3");
    }

    private static void assertSelection(VcnModel model, String which, long bestRound, double bestAccuracy) {
        Provenance.Selection s = model.provenance().selection();
        assertNotNull(s, "the bundle says which model it is");
        assertEquals(which, s.model());
        assertEquals(bestRound, s.bestRound());
        assertEquals("accuracy", s.bestMeasure());
        assertEquals(bestAccuracy, s.bestValue());
        assertEquals(20, s.bestExamples());
    }

    /** The evaluations on the held-out sample (not the final ones on the whole split), in order. */
    private static List<JsonNode> evaluations(Path run) throws Exception {
        return TrainFixtures.metrics(run, "eval").stream().filter(n -> !n.get("final").asBoolean()).toList();
    }

    private static Path checkpoint(Path run, long round) {
        return run.resolve("checkpoints").resolve(String.format("round-%08d", round)).resolve("model.zip");
    }
}
