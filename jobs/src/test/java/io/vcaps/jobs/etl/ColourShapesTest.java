package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.images.ImageLimits;
import io.vcaps.spark.JobCommandLine;
import io.vcaps.spark.OutputMode;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vcaps shapes}: what each attribute draws, their independence, and {@code vcaps etl} reading the output. */
class ColourShapesTest {
    private static final int N = 2000;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = JobCommandLine.create(new ShapesJob());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void attributesAreDrawnAsNamedAndIndependentOfEachOther() {
        int k = ColourShapes.ATTRIBUTES.size();
        int[] on = new int[k];
        int[][] both = new int[k][k];
        for (int n = 0; n < N; n++) {
            ColourShapes.Drawn d = ColourShapes.draw(5, DatasetSchema.TRAIN, n);
            boolean[] a = d.attributes();
            assertEquals(List.of(64, 64, 3), List.of(d.image().getHeight(), d.image().getWidth(),
                    d.image().getRaster().getNumBands()));
            assertEquals(a[2], d.size() >= 30, "large: " + d.size());
            assertEquals(a[5], d.centreX() < 32, "left: " + d.centreX());
            assertEquals(a[6], d.centreY() < 32, "top: " + d.centreY());
            assertTrue(d.centreX() - d.size() / 2 >= 0 && d.centreX() + d.size() / 2 <= 64, "on the image");
            Color centre = new Color(d.image().getRGB((int) d.centreX(), (int) d.centreY()));
            float hue = Color.RGBtoHSB(centre.getRed(), centre.getGreen(), centre.getBlue(), null)[0];
            assertEquals(a[1], hue < 0.2, "warm fills are red to yellow, the others green to blue: hue " + hue);
            for (int i = 0; i < k; i++) {
                on[i] += a[i] ? 1 : 0;
                for (int j = 0; j < k; j++) {
                    both[i][j] += a[i] && a[j] ? 1 : 0;
                }
            }
        }
        for (int i = 0; i < k; i++) {
            assertEquals(0.5, on[i] / (double) N, 0.05, ColourShapes.ATTRIBUTES.get(i));
            for (int j = i + 1; j < k; j++) {
                // Independent halves: each pair together in a quarter of the images (4 sigma is about 0.04).
                assertEquals(0.25, both[i][j] / (double) N, 0.04, ColourShapes.ATTRIBUTES.get(i) + " and "
                        + ColourShapes.ATTRIBUTES.get(j));
            }
        }
        assertFalse(Arrays.equals(pixels(ColourShapes.draw(5, "train", 0).image()),
                pixels(ColourShapes.draw(5, "test", 0).image())), "the splits differ");
        assertArrayEquals(pixels(ColourShapes.draw(5, "train", 7).image()),
                pixels(ColourShapes.draw(5, "train", 7).image()), "the same seed, the same image");
    }

    @Test
    void theJobWritesWhatEtlReads() throws Exception {
        Path output = dir.resolve("shapes");
        assertEquals(0, run("--output", output.toString(), "--train", "30", "--test", "10", "--seed", "2"),
                err.toString());
        assertTrue(out.toString().contains("30 training and 10 test images of 64x64x3"), out.toString());
        List<String> lines = Files.readAllLines(output.resolve(AttributeFolder.ATTRIBUTES));
        assertEquals(List.of("40", "round warm large outlined striped left top"), lines.subList(0, 2));
        assertEquals(42, lines.size());
        Path again = dir.resolve("again");
        assertEquals(0, run("--output", again.toString(), "--train", "30", "--test", "10", "--seed", "2"));
        assertEquals(lines, Files.readAllLines(again.resolve(AttributeFolder.ATTRIBUTES)));
        assertArrayEquals(Files.readAllBytes(output.resolve("test/000009.png")),
                Files.readAllBytes(again.resolve("test/000009.png")));

        Path dataset = dir.resolve("dataset");
        DatasetMetadata metadata = EtlPipeline.run(TestSpark.session(), new EtlRequest(SourceKind.ATTRIBUTES,
                output.toString(), output.resolve(AttributeFolder.ATTRIBUTES).toString(), dataset.toString(),
                new ImageShape(64, 64, 3), 0.5, OutputMode.ERROR, ImageLimits.DEFAULT_MAX_PIXELS,
                ImageLimits.DEFAULT_MAX_FILE_BYTES, 0));
        assertTrue(metadata.multiLabel());
        assertEquals(ColourShapes.ATTRIBUTES, metadata.entities());
        assertEquals(0, metadata.rejects().total());
        assertEquals(30, metadata.counts().get(DatasetSchema.TRAIN).total());
        assertEquals(10, metadata.counts().get(DatasetSchema.TEST).total());
        Map<String, List<Integer>> expected = new HashMap<>();
        for (String row : lines.subList(2, lines.size())) {
            String[] f = row.trim().split("\\s+");
            expected.put(f[0], IntStream.range(0, 7).filter(a -> f[a + 1].equals("1")).boxed().toList());
        }
        for (Row r : TestSpark.session().read().parquet(dataset.toString()).collectAsList()) {
            String id = r.getAs(DatasetSchema.ID);
            assertEquals(expected.get(id), r.getList(r.fieldIndex(DatasetSchema.LABELS)), id);
            BufferedImage png = ImageIO.read(output.resolve(id).toFile());
            byte[] rgb = new byte[64 * 64 * 3];
            for (int y = 0, i = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    int c = png.getRGB(x, y);
                    rgb[i++] = (byte) (c >> 16);
                    rgb[i++] = (byte) (c >> 8);
                    rgb[i++] = (byte) c;
                }
            }
            assertArrayEquals(rgb, (byte[]) r.getAs(DatasetSchema.PIXELS), id);
        }

        assertEquals(1, run("--output", output.toString(), "--train", "2", "--test", "2"));
        assertTrue(err.toString().contains("exists and is not empty"), err.toString());
        assertEquals(2, run("--output", dir.resolve("none").toString(), "--test", "0"));
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, 64, 64, null, 0, 64);
    }
}
