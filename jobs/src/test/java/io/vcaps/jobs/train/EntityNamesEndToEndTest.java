package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.bench.SyntheticDataset;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.data.SyntheticDigits;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.Vcaps;
import io.vcaps.jobs.batch.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Entity names the ETL accepts are names every later job can use: an attribute file whose header has spaces, a
 * colon, a hyphen, non-ASCII letters and a leading digit goes through {@code etl}, a short {@code train}, and the
 * bundle it wrote is read by {@code classify}, {@code generate} and {@code report}; a dataset whose names no bundle
 * could hold is refused by {@code train} before its first round.
 */
class EntityNamesEndToEndTest {
    private static final List<String> NAMES = List.of("Big Nose", "Wearing_Hat-Cap", "ab:cd", "Läuft",
            "5_o_Clock_Shadow");

    @TempDir
    Path dir;

    /** 40 digit images and a comma-separated attribute file naming them; attribute j present when digit + j is even. */
    private Path attributes(Path images) throws Exception {
        SyntheticDigits.Batch digits = SyntheticDataset.images(40, 5, true);
        StringBuilder table = new StringBuilder("image_id," + String.join(",", NAMES) + "\n");
        Files.createDirectories(images);
        for (int i = 0; i < 40; i++) {
            BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, 28, 28, digits.pixels()[i]);
            String file = String.format("%03d.png", i);
            ImageIO.write(image, "png", images.resolve(file).toFile());
            table.append(file);
            for (int j = 0; j < NAMES.size(); j++) {
                table.append((digits.labels()[i] + j) % 2 == 0 ? ",1" : ",-1");
            }
            table.append('\n');
        }
        return Files.writeString(dir.resolve("attributes.csv"), table.toString(), StandardCharsets.UTF_8);
    }

    private static Cli vcaps(String... args) {
        TestSpark.session();
        return Cli.run(new Vcaps(), args);
    }

    @Test
    void namesTheEtlAcceptsTrainAndTheirBundleIsReadByEveryJob() throws Exception {
        Path images = dir.resolve("images");
        Path table = attributes(images);
        Path data = dir.resolve("data");
        Cli etl = vcaps("etl", "--source", "attributes", "--input", images.toString(), "--attributes",
                table.toString(), "--output", data.toString(), "--test-fraction", "0.25");
        assertEquals(0, etl.exit(), etl.err());
        JsonNode metadata = new ObjectMapper().readTree(data.resolve("_vcaps.json").toFile());
        List<String> written = new java.util.ArrayList<>();
        metadata.get("entities").forEach(n -> written.add(n.asText()));
        assertEquals(NAMES, written, "the names as the header has them");

        Path run = dir.resolve("run");
        Path conf = TrainFixtures.conf(dir, TrainFixtures.TINY).toPath();
        Cli train = vcaps("train", "--data", data.toString(), "--output", run.toString(), "--conf", conf.toString(),
                "--workers", "1", "--epochs", "0.5");
        assertEquals(0, train.exit(), train.err());
        try (InputStream in = Files.newInputStream(run.resolve("model.zip"))) {
            assertEquals(NAMES, ModelBundle.read(in, "model.zip").entityNames());
        }

        Path classified = dir.resolve("classified");
        Cli classify = vcaps("classify", "--model", run.resolve("model.zip").toString(), "--data", data.toString(),
                "--output", classified.toString());
        assertEquals(0, classify.exit(), classify.err());
        JsonNode eval = new ObjectMapper().readTree(classified.resolve("_eval.json").toFile());
        assertEquals(40, eval.get("rows").asLong(), eval.toString());

        Path generated = dir.resolve("generated");
        Cli generate = vcaps("generate", "--model", run.resolve("model.zip").toString(), "--output",
                generated.toString(), "--per-entity", "2", "--entities", "ab:cd", "--entities", "Läuft", "--images",
                "png", "--sheets", "--traversals");
        assertEquals(0, generate.exit(), generate.err());
        try (Stream<Path> files = Files.walk(generated.resolve("_sheets"))) {
            assertEquals(2, files.filter(Files::isRegularFile).count(), "a sheet for each of the two entities");
        }

        Cli report = vcaps("report", "--run", run.toString(), "--classified", classified.toString(), "--output",
                dir.resolve("report").toString(), "--quality-images", "0", "--examples", "2", "--per-entity", "2");
        assertEquals(0, report.exit(), report.err());
        String page = Files.readString(dir.resolve("report/index.html"));
        for (String name : NAMES) {
            assertTrue(page.contains(name.replace("&", "&amp;")), name + " is on the report page");
        }
    }

    @Test
    void trainRefusesBeforeItsFirstRoundADatasetWhoseNamesNoBundleCouldHold() throws Exception {
        Path images = dir.resolve("images");
        attributes(images);
        Path data = dir.resolve("data");
        Cli etl = vcaps("etl", "--source", "attributes", "--input", images.toString(), "--attributes",
                dir.resolve("attributes.csv").toString(), "--output", data.toString(), "--test-fraction", "0.25");
        assertEquals(0, etl.exit(), etl.err());
        // A dataset written by something else than this ETL, or by an older one: its metadata names a path.
        Path metadata = data.resolve("_vcaps.json");
        Files.writeString(metadata, Files.readString(metadata).replace("\"ab:cd\"", "\"Wearing_Hat/Cap\""));
        Files.deleteIfExists(data.resolve("._vcaps.json.crc"));
        Path run = dir.resolve("run");
        Cli train = vcaps("train", "--data", data.toString(), "--output", run.toString(), "--conf",
                TrainFixtures.conf(dir, TrainFixtures.TINY).toString(), "--workers", "1", "--epochs", "0.5");
        assertEquals(1, train.exit());
        assertEquals("vcaps train failed: dataset " + data + ": entity 2 \"Wearing_Hat/Cap\" holds a path"
                + " separator; no model bundle can hold that name: rename it in the source and run vcaps etl again"
                + " (docs/DATA.md, \"Entity names\")", train.err().strip());
        assertFalse(Files.exists(run.resolve("metrics.jsonl")), "no round was trained");
    }
}
