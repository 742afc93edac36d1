package io.vcaps.jobs.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vcaps.bench.SyntheticDataset;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code classify} and {@code generate} on bundles from elsewhere that try to escape the output folder, inflate
 * without bound or declare absurd shapes: exit 1, one line naming the bundle and what is wrong, nothing written
 * anywhere in the folder that holds the bundles, the data and the output.
 */
class HostileBundleTest {

    private static byte[] good;

    @TempDir
    static Path dir;
    private static Path data;

    @BeforeAll
    static void setUp() throws IOException {
        data = dir.resolve("digits");
        SyntheticDataset.write(TestSpark.session(), data.toString(), 40, 20, 3, 1);
        VcnModel model = VcnModel.create(VcnConfig.parse(TrainedFixture.CONF, "test"), new ImageShape(28, 28, 1),
                SyntheticDataset.entities(), DataType.FLOAT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelBundle.write(model, out);
        good = out.toByteArray();
    }

    private static byte[] withHeader(Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(good));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                if (e.getName().equals("bundle.json")) {
                    ObjectNode header = (ObjectNode) json.readTree(content);
                    edit.accept(header);
                    content = json.writeValueAsBytes(header);
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setMethod(ZipEntry.STORED);
                copy.setSize(content.length);
                CRC32 crc = new CRC32();
                crc.update(content);
                copy.setCrc(crc.getValue());
                zip.putNextEntry(copy);
                zip.write(content);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static byte[] bomb() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("bundle.json"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) {
                zip.write(zeros);
            }
        }
        return out.toByteArray();
    }

    private static List<Path> everything() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toList();
        }
    }

    private static void assertRefused(String name, byte[] bundle, String message) throws IOException {
        Path file = dir.resolve(name + ".vcaps");
        Files.write(file, bundle);
        List<Path> before = everything();
        Path out = dir.resolve("out-" + name);
        for (boolean classify : new boolean[] {true, false}) {
            Cli run = classify
                    ? Cli.run(new ClassifyJob(), "--model", file.toString(), "--data", data.toString(), "--output",
                            out.toString())
                    : Cli.run(new GenerateJob(), "--model", file.toString(), "--output", out.toString(),
                            "--per-entity", "2", "--images", "png", "--sheets", "--traversals");
            String job = classify ? "classify" : "generate";
            assertEquals(1, run.exit(), job + " exit code; stderr: " + run.err());
            assertEquals(1, run.err().strip().lines().count(), job + ": one line: " + run.err());
            assertTrue(run.err().contains(file.toString()) && run.err().contains(message),
                    job + ": expected the bundle and '" + message + "' in: " + run.err());
            assertFalse(Cli.leftovers(out), job + " left output behind");
            assertEquals(before, everything(), job + " created files beside its output");
        }
    }

    @Test
    void anEntityNamedLikeAPathIsRefused() throws IOException {
        assertRefused("escape", withHeader(h -> h.putArray("entities").add("0").add("../../../escape").add("2")
                .add("3").add("4").add("5").add("6").add("7").add("8").add("9")), "holds a path separator");
        assertRefused("control", withHeader(h -> h.putArray("entities").add("0").add("1\r\u001b[2J").add("2")
                .add("3").add("4").add("5").add("6").add("7").add("8").add("9")), "holds a control character");
    }

    @Test
    void aDecompressionBombIsRefused() throws IOException {
        assertRefused("bomb", bomb(), "decompression bomb");
    }

    @Test
    void absurdShapesAreRefused() throws IOException {
        assertRefused("huge", withHeader(h -> ((ObjectNode) h.get("shape")).put("height", 2_000_000_000)
                .put("width", 2_000_000_000)), "2000000000x2000000000x1");
        assertRefused("entities", withHeader(h -> h.putArray("entities")), "declares 0 entities");
    }
}
