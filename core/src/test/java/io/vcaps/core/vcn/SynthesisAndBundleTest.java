package io.vcaps.core.vcn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.data.SyntheticDigits;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Synthesis and traversal give well-formed, seed-determined images; a bundle round trip changes nothing. */
class SynthesisAndBundleTest {

    private static VcnModel model;
    private static INDArray images;
    private static int[] labels;

    @BeforeAll
    static void trainBriefly() {
        model = VcnModel.create(LearningTest.tiny(0.01), LearningTest.MNIST, LearningTest.DIGITS, DataType.FLOAT);
        SyntheticDigits.Batch data = SyntheticDigits.generate(64, 4);
        images = LearningTest.images(data);
        labels = data.labels();
        LearningTest.train(model, images, data.labels(), 2);
    }

    @Test
    void synthesisIsInRangeAndSeedDetermined() {
        VcnModel.Synthesis a = model.synthesise(new int[]{3}, 5, 17, 1.0, 0);
        VcnModel.Synthesis b = model.synthesise(new int[]{3}, 5, 17, 1.0, 0);
        VcnModel.Synthesis other = model.synthesise(new int[]{3}, 5, 18, 1.0, 0);
        assertArrayEquals(new long[]{5, 784}, a.images().shape());
        assertTrue(a.images().minNumber().doubleValue() >= 0 && a.images().maxNumber().doubleValue() <= 1);
        assertEquals(a.images(), b.images());
        assertNotEquals(a.latent(), other.latent());
        INDArray latent = a.latent();
        for (int k = 0; k < 10; k++) {
            double norm = latent.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(k * 16, k * 16 + 16)).norm2Number().doubleValue();
            assertEquals(k == 3, norm > 0, "only entity 3's capsule is sampled, capsule " + k);
        }
        VcnModel.Synthesis tail = model.synthesise(new int[]{3}, 2, 17, 1.0, 3);
        assertEquals(a.images().getRow(3), tail.images().getRow(0), "image 3 of 5 equals image 0 from index 3");
    }

    @Test
    void traversalVariesOneDimensionAroundItsCentre() {
        INDArray centre = model.capsuleMeans(images.getRows(0), 2).reshape(model.latentDim());
        INDArray grid = model.traverse(2, 5, 7, centre);
        assertArrayEquals(new long[]{7, 784}, grid.shape());
        assertTrue(grid.minNumber().doubleValue() >= 0 && grid.maxNumber().doubleValue() <= 1);
        assertNotEquals(grid.getRow(0), grid.getRow(6));
        assertNotEquals(grid, model.traverse(3, 5, 7, centre), "a conditioned G draws the entity it is told");
        assertNotEquals(grid, model.traverse(2, 5, 7, model.priorCapsule(2, 11)), "the centre is kept");
    }

    @Test
    void bundleRoundTripKeepsPredictionsAndSamples(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.zip");
        try (var out = Files.newOutputStream(file)) {
            ModelBundle.write(model, out);
        }
        VcnModel loaded;
        try (var in = Files.newInputStream(file)) {
            loaded = ModelBundle.read(in, file.toString());
        }
        assertEquals(model.entityNames(), loaded.entityNames());
        assertEquals(model.shape(), loaded.shape());
        assertEquals(model.config(), loaded.config());
        assertArrayEquals(model.classify(images).predicted(), loaded.classify(images).predicted());
        assertArrayEquals(model.classify(images).kl(), loaded.classify(images).kl());
        assertEquals(model.synthesise(new int[]{1, 4}, 3, 9, 0.7, 0).images(),
                loaded.synthesise(new int[]{1, 4}, 3, 9, 0.7, 0).images());
        assertEquals(model.discriminator().params(), loaded.discriminator().params());
        assertEquals(model.encoder().getUpdater().getStateViewArray(),
                loaded.encoder().getUpdater().getStateViewArray(), "Adam state travels with the bundle");
    }

    private static VcnModel withFittedPriors() {
        return model.withPriorsFittedTo(images, labels);
    }

    @Test
    void fittedPriorsCentreSamplesOnTheirEntityAndTravelInTheBundle() throws IOException {
        VcnModel fitted = withFittedPriors();
        EntityPriors priors = fitted.priors().orElseThrow();
        int entity = labels[0];
        INDArray means = model.capsuleMeans(images, entity);
        double[] expected = new double[model.latentDim()];
        long n = 0;
        for (int b = 0; b < labels.length; b++) {
            if (labels[b] == entity) {
                for (int j = 0; j < expected.length; j++) {
                    expected[j] += means.getDouble(b, j);
                }
                n++;
            }
        }
        assertEquals(n, priors.count(entity));
        for (int j = 0; j < expected.length; j++) {
            expected[j] /= n;
        }
        INDArray central = fitted.synthesise(new int[] {entity}, 2, 3, 0.0, 0).latent();
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], central.getDouble(0, entity * model.latentDim() + j), 1e-4,
                    "temperature 0 draws the mean of the entity's training capsules");
        }
        assertNotEquals(model.synthesise(new int[] {entity}, 4, 3, 1.0, 0).images(),
                fitted.synthesise(new int[] {entity}, 4, 3, 1.0, 0).images(), "the fitted priors are used");
        assertTrue(model.priors().isEmpty(), "withPriors leaves the original as it was");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelBundle.write(fitted, bytes);
        VcnModel loaded = ModelBundle.read(new ByteArrayInputStream(bytes.toByteArray()), "fitted.zip");
        assertEquals(fitted.synthesise(new int[] {1, 4}, 3, 9, 0.7, 0).images(),
                loaded.synthesise(new int[] {1, 4}, 3, 9, 0.7, 0).images());
        assertEquals(fitted.priorCapsule(2, 11), loaded.priorCapsule(2, 11));

        byte[] broken = rewrite(bytes.toByteArray(), "priors.json", p -> p.replaceFirst("\\[\\[", "[[\"x\","));
        IOException e = assertThrows(IOException.class,
                () -> ModelBundle.read(new ByteArrayInputStream(broken), "broken.zip"));
        assertTrue(e.getMessage().contains("broken.zip") && e.getMessage().contains("priors.json"), e.getMessage());
    }

    @Test
    void plainDl4jLoadsEachNetworkOfABundle(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelBundle.write(model, bytes);
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            int networks = 0;
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().endsWith(".zip")) {
                    Path out = dir.resolve(e.getName());
                    Files.write(out, zip.readAllBytes());
                    MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(out.toFile());
                    assertTrue(net.numParams() > 0);
                    networks++;
                }
            }
            assertEquals(3, networks);
        }
    }

    @Test
    void badBundlesSayWhatIsWrong(@TempDir Path dir) throws IOException {
        IOException notZip = assertThrows(IOException.class,
                () -> ModelBundle.read(new ByteArrayInputStream("hello".getBytes()), "junk.zip"));
        assertTrue(notZip.getMessage().contains("junk.zip") && notZip.getMessage().contains("not a vcaps bundle"),
                notZip.getMessage());

        ByteArrayOutputStream good = new ByteArrayOutputStream();
        ModelBundle.write(model, good);
        byte[] future = rewriteHeader(good.toByteArray(), h -> h.replace("\"version\" : 2", "\"version\" : 99"));
        IOException version = assertThrows(IOException.class,
                () -> ModelBundle.read(new ByteArrayInputStream(future), "future.zip"));
        assertTrue(version.getMessage().contains("version 99"), version.getMessage());

        byte[] wrongShape = rewriteHeader(good.toByteArray(), h -> h.replace("\"height\" : 28", "\"height\" : 32"));
        IOException shape = assertThrows(IOException.class,
                () -> ModelBundle.read(new ByteArrayInputStream(wrongShape), "shape.zip"));
        assertTrue(shape.getMessage().contains("32x28x1"), shape.getMessage());
    }

    /** A bundle as vcaps wrote it before format 2: version 1, no generator.condition in its configuration. */
    private static byte[] asVersionOne(VcnModel m) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelBundle.write(m, bytes);
        return rewriteHeader(bytes.toByteArray(), h -> {
            try {
                ObjectMapper json = new ObjectMapper();
                ObjectNode header = (ObjectNode) json.readTree(h);
                header.put("version", 1);
                header.put("config", ConfigFactory.parseString(header.get("config").asText())
                        .withoutPath("vcaps.model.generator.condition").root().render());
                return json.writeValueAsString(header);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void versionOneBundlesLoadAsMaskOnlyGenerators() throws IOException {
        VcnConfig maskOnly = VcnConfig.parse(ConfigFactory.parseString("vcaps.model.generator.condition = false")
                .withFallback(ConfigFactory.parseString(LearningTest.tiny(0.01).toHocon())).root().render(),
                "mask only");
        VcnModel old = VcnModel.create(maskOnly, LearningTest.MNIST, LearningTest.DIGITS, DataType.FLOAT);
        VcnModel loaded = ModelBundle.read(new ByteArrayInputStream(asVersionOne(old)), "old.zip");
        assertFalse(loaded.config().generator().condition(), "a version 1 generator reads the masked capsules alone");
        assertEquals(old.synthesise(new int[]{2}, 3, 5, 1.0, 0).images(),
                loaded.synthesise(new int[]{2}, 3, 5, 1.0, 0).images());

        assertTrue(model.config().generator().condition(), "the fixture's generator is conditioned");
        IOException mismatch = assertThrows(IOException.class,
                () -> ModelBundle.read(new ByteArrayInputStream(asVersionOne(model)), "relabelled.zip"));
        assertTrue(mismatch.getMessage().contains("relabelled.zip")
                && mismatch.getMessage().contains("generator reads 170 values"), mismatch.getMessage());
    }

    private static byte[] rewriteHeader(byte[] bundle, java.util.function.UnaryOperator<String> edit)
            throws IOException {
        return rewrite(bundle, "bundle.json", edit);
    }

    private static byte[] rewrite(byte[] bundle, String entry, java.util.function.UnaryOperator<String> edit)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bundle));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                if (e.getName().equals(entry)) {
                    content = edit.apply(new String(content)).getBytes();
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(content);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    @Test
    void configurationSurvivesItsHoconRendering() {
        VcnConfig config = LearningTest.tiny(0.25);
        assertEquals(config, VcnConfig.parse(config.toHocon(), "rendered"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> VcnConfig.parse("vcaps.loss { m-plus = 70 }", "bad.conf"));
        assertTrue(bad.getMessage().contains("m-plus"), bad.getMessage());
    }
}
