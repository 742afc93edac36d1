package io.vcaps.core.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bundles from elsewhere, written as real files: truncated, not a zip, decompression bombs, too many or repeated
 * entries, absurd shapes and entity counts, entity names that are paths or hold control characters, array headers
 * that declare more than the file holds, network configurations naming foreign classes. Each is refused with an
 * {@link IOException} naming the file and what is wrong, quickly and without inflating the bomb.
 */
class HostileBundlesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static byte[] good;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeAGoodBundle() throws IOException {
        VcnConfig config = VcnConfig.parse("""
                vcaps.model { conv1 { filters = 4, kernel = 3 }, generator { channels = 4 }, latent-dim = 2
                              primary { channels = 2, dim = 4, kernel = 3, stride = 2 }
                              discriminator { channels = [2, 3] } }
                """, "tiny");
        VcnModel model = VcnModel.create(config, new ImageShape(8, 8, 1), List.of("a", "b", "c"), DataType.FLOAT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelBundle.write(model, out);
        good = out.toByteArray();
    }

    private String refusal(byte[] bundle) throws IOException {
        Path file = dir.resolve("hostile.zip");
        Files.write(file, bundle);
        long start = System.nanoTime();
        IOException e;
        try (InputStream in = Files.newInputStream(file)) {
            e = assertThrows(IOException.class, () -> ModelBundle.readForInference(in, file.toString()));
        }
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "took more than 20 s to refuse");
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e.getMessage();
    }

    private static Map<String, byte[]> entries(byte[] bundle) throws IOException {
        return new LinkedHashMap<>(NetworkFiles.entries(new java.io.ByteArrayInputStream(bundle)));
    }

    private static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                NetworkFiles.stored(zip, e.getKey(), e.getValue());
            }
        }
        return out.toByteArray();
    }

    private static byte[] withHeader(Consumer<ObjectNode> edit) throws IOException {
        Map<String, byte[]> entries = entries(good);
        ObjectNode header = (ObjectNode) JSON.readTree(entries.get("bundle.json"));
        edit.accept(header);
        entries.put("bundle.json", JSON.writeValueAsBytes(header));
        return zip(entries);
    }

    @Test
    void theGoodBundleIsRead() throws IOException {
        Path file = dir.resolve("good.zip");
        Files.write(file, good);
        try (InputStream in = Files.newInputStream(file)) {
            assertEquals(List.of("a", "b", "c"), ModelBundle.readForInference(in, file.toString()).entityNames());
        }
    }

    @ParameterizedTest(name = "cut to {0} of its bytes")
    @ValueSource(doubles = {0.1, 0.5, 0.9, 0.999})
    void aTruncatedBundleIsRefused(double share) throws IOException {
        String message = refusal(Arrays.copyOf(good, (int) (good.length * share)));
        assertTrue(message.contains("truncated") || message.contains("lacks") || message.contains("no bundle.json"),
                message);
    }

    @Test
    void somethingElseIsRefused() throws IOException {
        assertTrue(refusal("<html>not found</html>".getBytes(StandardCharsets.UTF_8)).contains("not a zip"));
        assertTrue(refusal(new byte[0]).contains("not a zip"));
    }

    @Test
    void aDecompressionBombIsRefusedBeforeItInflates() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("bundle.json"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 512; i++) {
                zip.write(zeros);
            }
        }
        assertTrue(out.size() < 1 << 20, "a 512 MiB bomb in " + out.size() + " bytes");
        String message = refusal(out.toByteArray());
        assertTrue(message.contains("decompression bomb") && message.contains("bundle.json"), message);
    }

    @Test
    void tooManyOrRepeatedEntriesAreRefused() throws IOException {
        Map<String, byte[]> many = entries(good);
        IntStream.range(0, BundleLimits.MAX_ENTRIES).forEach(i -> many.put("extra-" + i, new byte[1]));
        assertTrue(refusal(zip(many)).contains("more than " + BundleLimits.MAX_ENTRIES + " zip entries"));

        Map<String, byte[]> twice = entries(good);
        twice.put("bundle.jsoX", twice.get("bundle.json"));
        byte[] bytes = zip(twice);
        byte[] from = "bundle.jsoX".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + from.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + from.length, from, 0, from.length)) {
                bytes[i + from.length - 1] = 'n';
            }
        }
        assertTrue(refusal(bytes).contains("appears twice"));
    }

    @Test
    void absurdShapesAndEntityCountsAreRefused() throws IOException {
        assertTrue(refusal(withHeader(h -> ((ObjectNode) h.get("shape")).put("height", 1_000_000)))
                .contains("1000000x8x1"));
        assertTrue(refusal(withHeader(h -> ((ObjectNode) h.get("shape")).put("channels", -3))).contains("8x8x-3"));
        assertTrue(refusal(withHeader(h -> h.putArray("entities"))).contains("0 entities"));
        assertTrue(refusal(withHeader(h -> {
            var names = h.putArray("entities");
            IntStream.range(0, BundleLimits.MAX_ENTITIES + 1).forEach(i -> names.add("e" + i));
        })).contains((BundleLimits.MAX_ENTITIES + 1) + " entities"));
    }

    @ParameterizedTest(name = "entity {0}")
    @ValueSource(strings = {"../../etc", "a/b", "/abs", "C:\\x", "..", ".hidden", "~root", "bell\u0007", "new\nline",
        "nul\u0000", "", "a\\b", "b"})
    void hostileEntityNamesAreRefused(String name) throws IOException {
        String message = refusal(withHeader(h -> h.putArray("entities").add("a").add(name).add("b")));
        assertTrue(message.contains("entity 1 ") || message.contains("entity 2 "), message);
        assertTrue(message.chars().noneMatch(c -> c < 0x20), "the message is one printable line: " + message);
        // The same rule where names are born: no model, hence no bundle, is made with them.
        IllegalArgumentException create = assertThrows(IllegalArgumentException.class, () -> VcnModel.create(
                VcnConfig.parse("vcaps.model.latent-dim = 2", "tiny"), new ImageShape(8, 8, 1),
                java.util.Arrays.asList("a", name, "b"), DataType.FLOAT));
        assertTrue(message.endsWith(create.getMessage().substring("entity names: ".length())),
                create.getMessage() + " | " + message);
    }

    @Test
    void anArrayHeaderDeclaringMoreThanTheFileHoldsIsRefused() throws IOException {
        byte[] coefficients = NetworkFiles.entries(new java.io.ByteArrayInputStream(entries(good).get("encoder.zip")))
                .get("coefficients.bin");
        byte[] cut = Arrays.copyOf(coefficients, coefficients.length - 4);
        IOException e = assertThrows(IOException.class, () -> NetworkFiles.readArray(cut));
        assertTrue(e.getMessage().contains("bytes follow"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"encoder", "generator", "discriminator"})
    void aNetworkWithNonFiniteWeightsIsRefusedByName(String network) throws IOException {
        VcnConfig config = VcnConfig.parse("""
                vcaps.model { conv1 { filters = 4, kernel = 3 }, generator { channels = 4 }, latent-dim = 2
                              primary { channels = 2, dim = 4, kernel = 3, stride = 2 }
                              discriminator { channels = [2, 3] } }
                """, "tiny");
        VcnModel model = VcnModel.create(config, new ImageShape(8, 8, 1), List.of("a", "b", "c"), DataType.FLOAT);
        MultiLayerNetwork net = switch (network) {
            case "encoder" -> model.encoder();
            case "generator" -> model.generator();
            default -> model.discriminator();
        };
        net.params().putScalar(3, Float.NaN);
        net.params().putScalar(5, Float.POSITIVE_INFINITY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelBundle.write(model, out);
        String message = refusal(out.toByteArray());
        assertTrue(message.contains(network + ".zip is not a readable network: 2 of its " + net.params().length()
                + " parameters are NaN or infinite"), message);
    }

    @Test
    void aNetworkNamingAForeignClassIsRefused() throws IOException {
        Map<String, byte[]> bundle = entries(good);
        Map<String, byte[]> encoder = entries(bundle.get("encoder.zip"));
        String json = new String(encoder.get("configuration.json"), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"@class\""), "DL4J names classes in its JSON");
        encoder.put("configuration.json", json.replaceFirst("\"@class\" ?: ?\"[^\"]+\"",
                "\"@class\" : \"java.lang.ProcessBuilder\"").getBytes(StandardCharsets.UTF_8));
        bundle.put("encoder.zip", zip(encoder));
        String message = refusal(zip(bundle));
        assertTrue(message.contains("encoder.zip") && message.contains("java.lang.ProcessBuilder"), message);
    }

    @Test
    void includesInTheBundleConfigurationAreNotRead() throws IOException {
        Path secret = dir.resolve("secret.conf");
        Files.writeString(secret, "vcaps.training.batch-size = 3\n");
        String message = refusal(withHeader(h -> h.put("config",
                h.get("config").asText().replaceFirst("\\{", "{ include file(\"" + secret + "\")\n"))));
        assertTrue(message.contains("refused"), message);
    }
}
