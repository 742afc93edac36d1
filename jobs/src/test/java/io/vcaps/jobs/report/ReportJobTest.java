package io.vcaps.jobs.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.bench.DigitsDataset;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.Vcaps;
import io.vcaps.jobs.batch.Cli;
import io.vcaps.jobs.batch.PngImages;
import io.vcaps.jobs.train.TrainFixtures;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vcaps report} end to end on a real run: a small dataset, {@code vcaps train}, {@code vcaps classify} and
 * {@code vcaps generate} on local[2] Spark, then the report, read back as HTML and opened in headless Chromium.
 */
class ReportJobTest {
    private static final int SCALE = 2;
    private static final int CELL = 28 * SCALE + 2;

    @TempDir
    static Path dir;
    private static Path data;
    private static Path run;
    private static Path classified;
    private static Path generated;

    @BeforeAll
    static void trainClassifyGenerate() throws Exception {
        SparkSession spark = TestSpark.session();
        data = dir.resolve("digits");
        DigitsDataset.write(spark, data.toString(), 160, 40, 5);
        // 2 workers x 2 steps x 20 images: 2 rounds an epoch, a held-out evaluation after each.
        Path conf = TrainFixtures.conf(dir, TrainFixtures.TINY + "vcaps.training.eval-every = 1\n").toPath();
        run = dir.resolve("run");
        vcaps("train", "--data", data.toString(), "--output", run.toString(), "--conf", conf.toString(), "--workers",
                "2", "--averaging-frequency", "2", "--epochs", "2");
        classified = dir.resolve("classified");
        vcaps("classify", "--model", run.resolve("model.zip").toString(), "--data", data.toString(), "--split", "test",
                "--output", classified.toString());
        generated = dir.resolve("generated");
        vcaps("generate", "--model", run.resolve("model.zip").toString(), "--output", generated.toString(),
                "--per-entity", "4", "--partitions", "2", "--images", "png");
    }

    @Test
    void everySectionIsThereAndEveryImageLoadsInChromium() throws Exception {
        Cli report = vcaps("report", "--run", run.toString(), "--classified", classified.toString(), "--generated",
                generated.toString(), "--examples", "6", "--per-entity", "4");
        Path folder = run.resolve(RunReport.DEFAULT_FOLDER);
        Path page = folder.resolve(RunReport.PAGE);
        assertTrue(Files.isRegularFile(page), "the page is written to RUN_DIR/report/index.html");
        assertTrue(report.out().contains(page.toUri().toString()), report.out());
        Document html = Jsoup.parse(page.toFile());

        double accuracy = new ObjectMapper().readTree(run.resolve("eval.json").toFile()).get("accuracy").asDouble();
        Element shown = html.getElementById("accuracy");
        assertNotNull(shown);
        assertEquals(accuracy, Double.parseDouble(shown.attr("data-value")), 0.0);
        assertEquals(String.format(Locale.ROOT, "%.2f%%", 100 * accuracy), shown.text());

        // The page's pictures are exactly the PNG files beside it.
        List<String> sources = html.select("img").eachAttr("src");
        List<String> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> !n.equals(RunReport.PAGE)).sorted().toList();
        }
        assertEquals(files, sources.stream().sorted().toList());
        for (String section : List.of("summary", "classification", "reconstructions", "samples", "traversals",
                "provenance")) {
            assertTrue(html.select("#" + section + " .note").isEmpty(), section + " has a note though all inputs"
                    + " were given: " + html.select("#" + section + " .note").text());
        }
        List<String> training = html.select("#training img").eachAttr("src");
        assertTrue(training.containsAll(List.of("loss-margin.png", "loss-reconstruction.png", "kl.png",
                "accuracy.png", "reconstruction-error.png")), training.toString());
        assertEquals(10, html.select("#samples img").size());
        assertEquals(10, html.select("#traversals img").size());
        assertTrue(html.select("#provenance").text().contains(data.toString()), "provenance names the dataset");

        // The confusion matrix is the classify job's own picture.
        assertArrayEquals(Files.readAllBytes(classified.resolve("_confusion.png")),
                Files.readAllBytes(folder.resolve("confusion.png")));
        // Samples are generate's images: entity 0's strip holds its first four pictures, scaled up.
        BufferedImage strip = ImageIO.read(folder.resolve("samples-0-0.png").toFile());
        for (int i = 0; i < 4; i++) {
            BufferedImage picture = ImageIO.read(generated.resolve("_images/0-0/" + i + ".png").toFile());
            assertCell(picture, strip, 0, i, "sample " + i + " of entity 0");
        }
        checkReconstructions(folder, html);

        Document dom = Jsoup.parse(HeadlessChromium.dumpDom(page, dir));
        Element check = dom.getElementById("image-check");
        assertNotNull(check);
        assertEquals(sources.size(), Integer.parseInt(check.attr("data-total")), check.text());
        assertEquals(sources.size(), Integer.parseInt(check.attr("data-loaded")), check.text());
        assertEquals(0, Integer.parseInt(check.attr("data-broken")), check.text());
        assertEquals(shown.text(), dom.getElementById("accuracy").text());

        // The check sees a picture that is missing.
        Path broken = dir.resolve("broken-report");
        Files.createDirectories(broken);
        for (String file : files) {
            if (!file.equals("kl.png")) {
                Files.copy(folder.resolve(file), broken.resolve(file));
            }
        }
        Files.copy(page, broken.resolve(RunReport.PAGE));
        Element brokenCheck = Jsoup.parse(HeadlessChromium.dumpDom(broken.resolve(RunReport.PAGE), dir))
                .getElementById("image-check");
        assertEquals(1, Integer.parseInt(brokenCheck.attr("data-broken")), brokenCheck.text());
        assertTrue(brokenCheck.text().contains("kl.png"), brokenCheck.text());
    }

    /** Top row: the first held-out images by id; bottom row: the model's reconstructions of exactly those. */
    private static void checkReconstructions(Path folder, Document html) throws Exception {
        List<Row> rows = TestSpark.session().read().parquet(data.toString()).where("split = 'test'").orderBy("id")
                .limit(6).select("id", "pixels").collectAsList();
        assertEquals(rows.stream().map(r -> r.getString(0)).toList(),
                html.select("#reconstructions tbody tr").stream().map(tr -> tr.child(1).text()).toList());
        VcnModel model;
        try (InputStream in = Files.newInputStream(run.resolve("model.zip"))) {
            model = ModelBundle.read(in, "model.zip");
        }
        float[] x = new float[rows.size() * 784];
        for (int b = 0; b < rows.size(); b++) {
            byte[] p = (byte[]) rows.get(b).get(1);
            for (int i = 0; i < 784; i++) {
                x[b * 784 + i] = (p[i] & 0xFF) / 255f;
            }
        }
        List<byte[]> expected = PngImages.fromUnit(model.reconstruct(Nd4j.create(x, new long[] {rows.size(), 784},
                'c').castTo(DataType.FLOAT), false));
        BufferedImage grid = ImageIO.read(folder.resolve("reconstructions.png").toFile());
        assertEquals(6 * CELL + 2, grid.getWidth());
        assertEquals(2 * CELL + 2, grid.getHeight());
        for (int i = 0; i < rows.size(); i++) {
            assertCell(gray((byte[]) rows.get(i).get(1)), grid, 0, i, "held-out image " + i);
            assertCell(gray(expected.get(i)), grid, 1, i, "reconstruction " + i);
        }
    }

    @Test
    void sectionsWithoutTheirInputSaySoAndTheReportDrawsItsOwnSamples() throws Exception {
        Path output = dir.resolve("plain-report");
        vcaps("report", "--run", run.toString(), "--output", output.toString(), "--examples", "3", "--per-entity", "2");
        Document html = Jsoup.parse(output.resolve(RunReport.PAGE).toFile());
        assertTrue(html.select("#classification img").isEmpty());
        assertTrue(html.select("#classification .note").text().contains("--classified"),
                html.select("#classification").text());
        assertTrue(html.select("#samples .note").text().contains("drawn by the report itself"));
        assertEquals(10, html.select("#samples img").size());
        BufferedImage strip = ImageIO.read(output.resolve("samples-3-3.png").toFile());
        assertEquals(2 * CELL + 2, strip.getWidth());
        assertEquals(3, html.select("#reconstructions tbody tr").size());
    }

    @Test
    void aMissingRunEvaluationOrModelFailsNamingThePath() throws Exception {
        Path missing = dir.resolve("no-such-run");
        Cli none = Cli.run(new Vcaps(), "report", "--run", missing.toString());
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("run directory not found") && none.err().contains(missing.toString()),
                none.err());

        Path noEval = Files.createDirectories(dir.resolve("no-eval"));
        Files.copy(run.resolve("model.zip"), noEval.resolve("model.zip"));
        Cli withoutEval = Cli.run(new Vcaps(), "report", "--run", noEval.toString());
        assertEquals(1, withoutEval.exit());
        assertTrue(withoutEval.err().contains(noEval.resolve("eval.json").toString()), withoutEval.err());

        Path noModel = Files.createDirectories(dir.resolve("no-model"));
        Files.copy(run.resolve("eval.json"), noModel.resolve("eval.json"));
        Cli withoutModel = Cli.run(new Vcaps(), "report", "--run", noModel.toString());
        assertEquals(1, withoutModel.exit());
        assertTrue(withoutModel.err().contains(noModel.resolve("model.zip").toString()), withoutModel.err());

        Path notClassified = dir.resolve("not-classified");
        Cli badClassified = Cli.run(new Vcaps(), "report", "--run", run.toString(), "--classified",
                notClassified.toString(), "--output", dir.resolve("unused").toString());
        assertEquals(1, badClassified.exit());
        assertTrue(badClassified.err().contains(notClassified.toString()), badClassified.err());

        for (Path p : List.of(missing, noEval.resolve("report"), noModel.resolve("report"), dir.resolve("unused"))) {
            assertFalse(Files.exists(p), p + " was written by a failed report");
        }
    }

    @Test
    void refusesToReplaceTheRunDirectoryOrAFolderThatIsNotAReport() throws Exception {
        var runFiles = Cli.files(run);
        String[][] cases = {
            {run.toString(), "contains the input --run file:" + run.resolve("model.zip")},
            {run.resolve("..").toString(), "contains the input --run file:" + run.resolve("model.zip")},
            {run.resolve("checkpoints").toString(), "is the input --run file:" + run.resolve("checkpoints")},
            {run.resolve("metrics.jsonl/x").toString(),
                "lies inside the input --run file:" + run.resolve("metrics.jsonl")},
            {classified.resolve("report").toString(), "lies inside the input --classified " + classified},
        };
        for (String[] c : cases) {
            Cli refused = Cli.run(new Vcaps(), "report", "--run", run.toString(), "--classified",
                    classified.toString(), "--output", c[0]);
            assertEquals(1, refused.exit());
            assertTrue(refused.err().startsWith("vcaps report failed: --output " + c[0] + " " + c[1] + " (as "),
                    refused.err());
            assertEquals(1, refused.err().lines().count(), refused.err());
            assertEquals(runFiles, Cli.files(run), "the run is as it was");
        }

        Path other = Files.createDirectories(dir.resolve("other-files"));
        Files.writeString(other.resolve("keep.txt"), "not a report");
        Cli intoOther = Cli.run(new Vcaps(), "report", "--run", run.toString(), "--output", other.toString());
        assertEquals(1, intoOther.exit());
        assertTrue(intoOther.err().contains("is not a report"), intoOther.err());
        assertEquals("not a report", Files.readString(other.resolve("keep.txt")));
    }

    @Test
    void helpAndBadOptions() {
        Cli help = Cli.run(new Vcaps(), "report", "--help");
        assertEquals(0, help.exit());
        for (String option : List.of("--run", "--classified", "--generated", "--output", "--data")) {
            assertTrue(help.out().contains(option), option + " is missing from:\n" + help.out());
        }
        assertEquals(2, Cli.run(new Vcaps(), "report").exit(), "--run is required");
        assertEquals(2, Cli.run(new Vcaps(), "report", "--run", run.toString(), "--examples", "0").exit());
    }

    private static Cli vcaps(String... args) {
        Cli cli = Cli.run(new Vcaps(), args);
        assertEquals(0, cli.exit(), String.join(" ", args) + ": " + cli.err());
        return cli;
    }

    private static BufferedImage gray(byte[] pixels) {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, 28, 28, pixels);
        return image;
    }

    /** Cell (row, column) of a {@link PngImages#grid} at scale 2 shows {@code expected}. */
    private static void assertCell(BufferedImage expected, BufferedImage grid, int row, int column, String what) {
        List<String> wrong = new ArrayList<>();
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int want = expected.getRaster().getSample(x, y, 0);
                int got = grid.getRaster().getSample(2 + column * CELL + SCALE * x, 2 + row * CELL + SCALE * y, 0);
                if (want != got) {
                    wrong.add("(" + x + "," + y + ") " + got + " != " + want);
                }
            }
        }
        assertTrue(wrong.isEmpty(), what + " differs at " + wrong.size() + " pixels, e.g. " + wrong.stream().limit(3)
                .toList());
    }
}
