package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.MultiLabelMeasures;
import io.vcaps.core.vcn.Provenance;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-label runs select best.zip and stop early by mean balanced accuracy, which a model that calls every
 * attribute absent cannot win; their metrics lines, eval.json and bundles name that measure and carry the others.
 */
class MultiLabelSelectionTest {

    @TempDir
    static Path dir;

    /**
     * Ten images of five rare attributes (one present each): "all absent" is right on 40 of 50 calls; a model that
     * finds every present attribute but also calls two absent ones present on each image is right on 30, so mean
     * accuracy would pick "all absent". Mean balanced accuracy: 0.5 against (1 + 20/40) / 2.
     */
    @Test
    void everyAttributeAbsentCannotBeSelectedOverABetterModel() {
        MultiLabelMeasures none = new MultiLabelMeasures(5);
        MultiLabelMeasures informative = new MultiLabelMeasures(5);
        for (int i = 0; i < 10; i++) {
            boolean[] truth = new boolean[5];
            truth[i % 5] = true;
            double[] kl = IntStream.range(0, 5).mapToDouble(k -> truth[k] ? 0.5 : 3).toArray();
            none.add(truth, new boolean[5], kl);
            boolean[] predicted = truth.clone();
            predicted[(i + 1) % 5] = true;
            predicted[(i + 2) % 5] = true;
            informative.add(truth, predicted, kl);
        }
        assertTrue(none.means().get(MultiLabelMeasures.MEAN_ACCURACY)
                > informative.means().get(MultiLabelMeasures.MEAN_ACCURACY), "the fixture is one that fools accuracy");
        HeldOutEvaluation.Result absent = new HeldOutEvaluation.Result(Double.NaN, none, 1, 10);
        HeldOutEvaluation.Result better = new HeldOutEvaluation.Result(Double.NaN, informative, 1, 10);
        assertEquals(0.5, absent.selected(), 1e-12);
        assertEquals(0.75, better.selected(), 1e-12);

        BestModel firstAbsent = new BestModel(null, null, 0);
        firstAbsent.offer(1, absent, null, true);
        assertTrue(firstAbsent.offer(2, better, null, true), "the better model replaces 'all absent'");
        assertEquals(2, firstAbsent.best().round());
        assertEquals(MultiLabelMeasures.MEAN_BALANCED_ACCURACY, firstAbsent.best().measure());
        assertEquals(better.selected(), firstAbsent.best().value());

        BestModel firstBetter = new BestModel(null, null, 0);
        firstBetter.offer(1, better, null, true);
        assertFalse(firstBetter.offer(2, absent, null, true), "'all absent' does not replace the better model");
        assertEquals(1, firstBetter.best().round());
        assertEquals(1, firstBetter.withoutImprovement());
        assertSame(MultiLabelMeasures.MEAN_BALANCED_ACCURACY, firstBetter.selection("best").bestMeasure());
    }

    @Test
    void aMultiLabelRunWritesItsMeasuresEverywhere() throws Exception {
        // Every digit image shows two entities, its digit and its parity: k = 2 for every image.
        List<String> names = Stream.concat(IntStream.range(0, 10).mapToObj(Integer::toString),
                Stream.of("even", "odd")).toList();
        String data = dir.resolve("parity").toAbsolutePath().toString();
        TrainFixtures.digits(TestSpark.session(), dir.resolve("parity"), 80, 20,
                d -> d.withColumn(DatasetSchema.LABELS, array(col(DatasetSchema.LABEL),
                        lit(10).plus(col(DatasetSchema.LABEL).mod(2)))).withColumn(DatasetSchema.LABEL, lit(-1)),
                new ImageShape(28, 28, 1));
        java.nio.file.Files.delete(dir.resolve("parity").resolve(DatasetSchema.METADATA_FILE));
        TrainFixtures.metadata(TestSpark.session(), data, new ImageShape(28, 28, 1), 80, 20, names, true);
        File conf = TrainFixtures.conf(dir, TrainFixtures.TINY + "vcaps.training { eval-every = 1 }\n");
        Path run = dir.resolve("run");
        TrainFixtures.Run trained = TrainFixtures.vcaps("train", "--data", data, "--conf", conf.getPath(),
                "--workers", "2", "--averaging-frequency", "1", "--epochs", "2", "--output", run.toString());
        assertEquals(0, trained.exit(), trained.err());

        List<JsonNode> evals = TrainFixtures.metrics(run, "eval");
        assertEquals(5, evals.size(), "four on the sample, one final: " + evals);
        JsonNode best = null;
        for (JsonNode e : evals) {
            assertFalse(e.has("accuracy"), "no single-label accuracy on multi-label data: " + e);
            for (String name : MultiLabelMeasures.NAMES) {
                assertTrue(e.path(name).isNumber(), name + " in " + e);
            }
            double v = e.get(MultiLabelMeasures.MEAN_BALANCED_ACCURACY).asDouble();
            if (!e.get("final").asBoolean() && (best == null
                    || v > best.get(MultiLabelMeasures.MEAN_BALANCED_ACCURACY).asDouble())) {
                best = e;
            }
        }
        System.out.println("multi-label evaluations: " + evals);

        JsonNode eval = new ObjectMapper().readTree(run.resolve("eval.json").toFile());
        assertFalse(eval.has("accuracy"), eval.toString());
        JsonNode measures = eval.get("multi_label");
        JsonNode last = evals.get(evals.size() - 1);
        for (String name : MultiLabelMeasures.NAMES) {
            assertEquals(last.get(name).asDouble(), measures.get(name).asDouble(), 1e-9, name);
        }
        assertEquals(2, measures.get("k").asInt());
        assertEquals(12, measures.get("per_attribute").size());
        JsonNode odd = measures.get("per_attribute").get(11);
        assertEquals("odd", odd.get("name").asText());
        for (String field : List.of("support", "predicted", "accuracy", "balanced_accuracy", "precision", "recall",
                "f1", "auroc")) {
            assertTrue(odd.path(field).isNumber(), field + " in " + odd);
        }
        assertEquals(MultiLabelMeasures.MEAN_BALANCED_ACCURACY, eval.get("best_measure").asText());
        assertEquals(best.get("round").asLong(), eval.get("best_round").asLong());
        assertEquals(best.get(MultiLabelMeasures.MEAN_BALANCED_ACCURACY).asDouble(), eval.get("best_value").asDouble());
        Provenance.Selection selection = TrainFixtures.bundle(run.resolve("best.zip")).provenance().selection();
        assertEquals(MultiLabelMeasures.MEAN_BALANCED_ACCURACY, selection.bestMeasure());
        assertEquals(best.get("round").asLong(), selection.bestRound());

        // classify scores the same model on the same test split with the same class: the same measures.
        Path classified = dir.resolve("classified");
        TrainFixtures.Run scored = TrainFixtures.vcaps("classify", "--model", run.resolve("model.zip").toString(),
                "--data", data, "--split", "test", "--output", classified.toString());
        assertEquals(0, scored.exit(), scored.err());
        JsonNode written = new ObjectMapper().readTree(classified.resolve("_eval.json").toFile());
        assertEquals("multi-label", written.get("task").asText());
        assertFalse(written.has("accuracy"), written.toString());
        JsonNode same = written.get("multi_label");
        for (String name : MultiLabelMeasures.NAMES) {
            assertEquals(measures.get(name).asDouble(), same.get(name).asDouble(), 1e-6, name);
        }
        assertEquals(measures.get("per_attribute").size(), same.get("per_attribute").size());
        // Both decided presence by the thresholds fitted after training, which the bundle carries.
        double[] tau = TrainFixtures.bundle(run.resolve("model.zip")).thresholds().orElseThrow().tau();
        assertEquals(12, tau.length);
        assertEquals(12, written.get("threshold").size(), written.toString());
        for (int k = 0; k < tau.length; k++) {
            assertEquals(tau[k], written.get("threshold").get(names.get(k)).asDouble(), 1e-9, names.get(k));
        }

        Path report = dir.resolve("report");
        TrainFixtures.Run reported = TrainFixtures.vcaps("report", "--run", run.toString(), "--classified",
                classified.toString(), "--output", report.toString(), "--quality-images", "40", "--examples", "2",
                "--per-entity", "3");
        assertEquals(0, reported.exit(), reported.err());
        org.jsoup.nodes.Document html = org.jsoup.Jsoup.parse(report.resolve("index.html").toFile());
        assertEquals(measures.get(MultiLabelMeasures.MEAN_BALANCED_ACCURACY).asDouble(),
                Double.parseDouble(html.getElementById(MultiLabelMeasures.MEAN_BALANCED_ACCURACY).attr("data-value")));
        String text = html.text();
        for (String shown : List.of("exact_set_accuracy", "top_k (k = 2)", "AUROC of -KL", "odd")) {
            assertTrue(text.contains(shown), shown);
        }
        reportShowsTheMultiLabelSections(html, report, measures, names);
    }

    /**
     * The multi-label report: every measure of eval.json with its value, per attribute too; a row of samples per
     * attribute and per pair; a traversal per attribute; the synthesis measures per set.
     */
    private static void reportShowsTheMultiLabelSections(org.jsoup.nodes.Document html, Path report,
            JsonNode measures, List<String> names) throws Exception {
        org.jsoup.nodes.Element summary = html.getElementById("summary");
        for (String name : MultiLabelMeasures.NAMES) {
            String shown = String.format(java.util.Locale.ROOT, "%.4f", measures.get(name).asDouble());
            assertTrue(summary.select("td").stream().anyMatch(td -> td.text().equals(shown)), name + " " + shown);
        }
        JsonNode odd = measures.get("per_attribute").get(11);
        org.jsoup.nodes.Element oddRow = summary.select("tr").stream()
                .filter(tr -> tr.selectFirst("td") != null && tr.selectFirst("td").text().equals("odd")).findFirst()
                .orElseThrow();
        assertEquals(List.of("odd", odd.get("support").asText(), odd.get("predicted").asText(),
                String.format(java.util.Locale.ROOT, "%.4f", odd.get("f1").asDouble())),
                List.of(oddRow.child(0).text(), oddRow.child(1).text(), oddRow.child(2).text(),
                        oddRow.child(7).text()));

        // 80 images give no pair the 2D = 16 images of its own priors: the pairs are consecutive attributes.
        org.jsoup.nodes.Element combinations = html.getElementById("combinations");
        List<String> rows = combinations.select("table.strips tr").stream().map(tr -> tr.child(0).text()).toList();
        List<String> expected = new java.util.ArrayList<>(names);
        for (String pair : List.of("0|1", "2|3", "4|5", "6|7")) {
            expected.add(pair + " (each attribute's prior)");
        }
        assertEquals(expected, rows);
        for (org.jsoup.nodes.Element img : combinations.select("img")) {
            java.awt.image.BufferedImage strip = javax.imageio.ImageIO.read(report.resolve(img.attr("src")).toFile());
            assertEquals(3 * (28 * 2 + 2) + 2, strip.getWidth(), img.attr("src") + ": three samples a row");
        }
        assertEquals(names.size() + 4, combinations.select("img").size());
        assertEquals(names.size(), html.getElementById("traversals").select("img").size(), "one per attribute");

        org.jsoup.nodes.Element quality = html.getElementById("quality");
        assertTrue(quality.text().contains("independent multi-label CNN"), quality.text());
        List<org.jsoup.nodes.Element> sets = quality.select("tbody tr").stream()
                .filter(tr -> tr.childrenSize() == 8).toList();
        assertEquals(expected.stream().map(r -> r.replace(" (each attribute's prior)", "").replace("|", " + "))
                .toList(), sets.stream().map(tr -> tr.child(0).text()).toList());
        for (org.jsoup.nodes.Element set : sets) {
            double requested = Double.parseDouble(set.child(1).text());
            double absent = Double.parseDouble(set.child(4).text());
            assertTrue(requested >= 0 && requested <= 1 && absent >= 0 && absent <= 1, set.text());
        }
        assertTrue(quality.text().contains("Fréchet distance of the samples"), quality.text());
    }
}
