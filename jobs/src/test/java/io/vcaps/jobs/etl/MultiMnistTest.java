package io.vcaps.jobs.etl;

import io.vcaps.core.data.SyntheticDigits;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.images.ImageLimits;
import io.vcaps.spark.JobCommandLine;
import io.vcaps.spark.OutputMode;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vcaps multimnist} on IDX files of synthetic digits, and {@code vcaps etl} reading what it wrote. */
class MultiMnistTest {
    private static final int SIDE = SyntheticDigits.SIZE;

    @TempDir
    static Path dir;
    private static Path mnist;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void idxFiles() throws Exception {
        mnist = dir.resolve("mnist");
        idx("train", SyntheticDigits.generate(200, 1));
        idx("t10k", SyntheticDigits.generate(50, 2));
    }

    private static void idx(String prefix, SyntheticDigits.Batch digits) throws Exception {
        byte[] pixels = new byte[digits.size() * SIDE * SIDE];
        byte[] labels = new byte[digits.size()];
        for (int i = 0; i < digits.size(); i++) {
            System.arraycopy(digits.pixels()[i], 0, pixels, i * SIDE * SIDE, SIDE * SIDE);
            labels[i] = (byte) digits.labels()[i];
        }
        Fixtures.idx(mnist.resolve(prefix + "-images-idx3-ubyte.gz"), new int[] {digits.size(), SIDE, SIDE}, pixels);
        Fixtures.idx(mnist.resolve(prefix + "-labels-idx1-ubyte"), new int[] {digits.size()}, labels);
    }

    private int run(String... args) {
        CommandLine commandLine = JobCommandLine.create(new MultiMnistJob());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void everyCanvasIsTwoDigitsOfDifferentClassesShiftedByAtMostFour() throws Exception {
        MultiMnist.Digits digits = MultiMnist.read(mnist, "train");
        assertEquals(200, digits.labels().length);
        List<MultiMnist.Canvas> canvases = MultiMnist.draw(digits, 300, 5);
        assertEquals(300, canvases.size());
        int[] seen = new int[10];
        for (MultiMnist.Canvas c : canvases) {
            assertEquals(36 * 36, c.pixels().length);
            assertNotEquals(c.first(), c.second());
            assertEquals(c.first(), digits.labels()[c.firstImage()]);
            assertEquals(c.second(), digits.labels()[c.secondImage()]);
            for (int[] at : new int[][] {c.firstAt(), c.secondAt()}) {
                for (int offset : at) {
                    assertTrue(offset >= 0 && offset <= 8, "a 28-pixel digit centred on 36 (offset 4) +-4: " + offset);
                }
            }
            // The canvas is exactly the pixel-wise max of the two digits where the generator says they lie.
            byte[] expected = new byte[36 * 36];
            place(expected, digits.pixels()[c.firstImage()], c.firstAt());
            place(expected, digits.pixels()[c.secondImage()], c.secondAt());
            assertArrayEquals(expected, c.pixels());
            seen[c.first()]++;
            seen[c.second()]++;
        }
        assertTrue(Arrays.stream(seen).allMatch(n -> n > 30), "every digit in many canvases: "
                + Arrays.toString(seen));
        List<MultiMnist.Canvas> again = MultiMnist.draw(digits, 300, 5);
        for (int i = 0; i < 300; i++) {
            assertArrayEquals(canvases.get(i).pixels(), again.get(i).pixels(), "canvas " + i + " for the same seed");
        }
        assertFalse(Arrays.equals(canvases.get(0).pixels(), MultiMnist.draw(digits, 1, 6).get(0).pixels()));
    }

    @Test
    void theJobWritesWhatEtlReadsDeterministically() throws Exception {
        Path output = dir.resolve("multimnist");
        assertEquals(0, run("--mnist", mnist.toString(), "--output", output.toString(), "--train", "60", "--test",
                "20", "--seed", "3"), err.toString());
        assertTrue(out.toString().contains("60 training and 20 test canvases of 36x36"), out.toString());
        List<String> lines = Files.readAllLines(output.resolve(MultiMnist.ATTRIBUTES));
        assertEquals("80", lines.get(0));
        assertEquals("0 1 2 3 4 5 6 7 8 9", lines.get(1));
        assertEquals(82, lines.size());
        Map<String, List<Integer>> labels = new HashMap<>();
        for (String row : lines.subList(2, lines.size())) {
            String[] fields = row.trim().split("\\s+");
            assertEquals(11, fields.length, row);
            List<Integer> on = IntStream.range(0, 10).filter(d -> fields[d + 1].equals("1")).boxed().toList();
            assertEquals(2, on.size(), "two distinct digits: " + row);
            labels.put(fields[0], on);
            BufferedImage image = ImageIO.read(output.resolve(fields[0]).toFile());
            assertEquals(List.of(36, 36, 1), List.of(image.getHeight(), image.getWidth(),
                    image.getRaster().getNumBands()), fields[0]);
        }
        assertEquals(60, count(output.resolve("train")));
        assertEquals(20, count(output.resolve("test")));

        Path same = dir.resolve("same");
        assertEquals(0, run("--mnist", mnist.toString(), "--output", same.toString(), "--train", "60", "--test", "20",
                "--seed", "3"));
        for (String file : files(output)) {
            assertArrayEquals(Files.readAllBytes(output.resolve(file)), Files.readAllBytes(same.resolve(file)), file);
        }
        Path other = dir.resolve("other");
        assertEquals(0, run("--mnist", mnist.toString(), "--output", other.toString(), "--train", "60", "--test", "20",
                "--seed", "4"));
        assertFalse(Arrays.equals(Files.readAllBytes(output.resolve(MultiMnist.ATTRIBUTES)),
                Files.readAllBytes(other.resolve(MultiMnist.ATTRIBUTES))));

        Path dataset = dir.resolve("dataset");
        DatasetMetadata metadata = EtlPipeline.run(TestSpark.session(), new EtlRequest(SourceKind.ATTRIBUTES,
                output.toString(), output.resolve(MultiMnist.ATTRIBUTES).toString(), dataset.toString(),
                new ImageShape(36, 36, 1), 0.5, OutputMode.ERROR, ImageLimits.DEFAULT_MAX_PIXELS,
                ImageLimits.DEFAULT_MAX_FILE_BYTES, 0));
        assertTrue(metadata.multiLabel());
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), metadata.entities());
        assertEquals(0, metadata.rejects().total());
        assertEquals(60, metadata.counts().get(DatasetSchema.TRAIN).total(), "the folders give the split, not a hash");
        assertEquals(20, metadata.counts().get(DatasetSchema.TEST).total());
        List<Row> rows = TestSpark.session().read().parquet(dataset.toString()).collectAsList();
        assertEquals(80, rows.size());
        for (Row r : rows) {
            String id = r.getAs(DatasetSchema.ID);
            assertEquals(id.substring(0, id.indexOf('/')), r.getAs(DatasetSchema.SPLIT));
            assertEquals(labels.get(id), r.getList(r.fieldIndex(DatasetSchema.LABELS)), id);
            BufferedImage png = ImageIO.read(output.resolve(id).toFile());
            byte[] pixels = new byte[36 * 36];
            png.getRaster().getDataElements(0, 0, 36, 36, pixels);
            assertArrayEquals(pixels, (byte[]) r.getAs(DatasetSchema.PIXELS), id);
        }
    }

    @Test
    void badRequestsAreOneLine() throws Exception {
        assertEquals(0, run("--help"));
        for (String option : List.of("--mnist", "--output", "--train", "--test", "--seed", "MultiMNIST")) {
            assertTrue(out.toString().contains(option), option + " in " + out);
        }
        assertEquals(2, run("--mnist", mnist.toString(), "--output", dir.resolve("zero").toString(), "--train", "0"));
        assertTrue(err.toString().contains("--train and --test must be at least 1"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, run("--mnist", dir.resolve("nowhere").toString(), "--output", dir.resolve("x").toString()));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("nowhere") && err.toString().contains("is not a folder"), err.toString());
        err.getBuffer().setLength(0);
        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        assertEquals(1, run("--mnist", mnist.toString(), "--output", full.toString(), "--train", "2", "--test", "2"));
        assertTrue(err.toString().contains("exists and is not empty"), err.toString());
        assertEquals(List.of("keep.txt"), files(full));
    }

    private static void place(byte[] canvas, byte[] digit, int[] at) {
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int i = (at[0] + y) * 36 + at[1] + x;
                canvas[i] = (byte) Math.max(canvas[i] & 0xff, digit[y * SIDE + x] & 0xff);
            }
        }
    }

    private static long count(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".png")).count();
        }
    }

    private static List<String> files(Path root) throws Exception {
        List<String> names = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(Files::isRegularFile).forEach(f -> names.add(root.relativize(f).toString()));
        }
        names.sort(null);
        return names;
    }
}
