package io.vcaps.tests;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.ModelShapes;
import io.vcaps.core.vcn.Networks;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file in conf/ is a configuration the jobs can use: it parses with {@link VcnConfig#load}, names only keys
 * that core's reference.conf knows (a misspelt key would silently fall back to its default), is read with the
 * file's values, and builds E, G and D for the data of its {@code written-for} block, whose shapes a forward pass
 * of one image confirms. No training: a few seconds in all.
 */
class ConfigurationsTest {

    /** Images per forward pass; more than one, so that the batch axis of every output shape is checked. */
    private static final int BATCH = 2;

    @Test
    void everyConfigurationBuildsTheThreeNetworksForTheDataItWasWrittenFor() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(Project.current().conf())) {
            files = listing.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertTrue(files.stream().anyMatch(p -> p.endsWith("attributes-example.conf")), "conf/ holds " + files);
        assertTrue(files.stream().anyMatch(p -> p.endsWith("mnist-small.conf")), "conf/ holds " + files);
        Config reference = ConfigFactory.defaultReference(VcnConfig.class.getClassLoader());
        for (Path file : files) {
            check(file, reference);
        }
    }

    private static void check(Path file, Config reference) {
        Config raw = ConfigFactory.parseFile(file.toFile());
        assertTrue(raw.hasPath("written-for"), file + " has no written-for { height, width, channels, entities }"
                + " block (docs/CONFIGURATION.md)");
        for (Map.Entry<String, ConfigValue> key : raw.getConfig("vcaps").entrySet()) {
            assertTrue(reference.hasPath("vcaps." + key.getKey()),
                    file + ": vcaps." + key.getKey() + " is not a key of core's reference.conf");
        }

        VcnConfig config = VcnConfig.load(file.toFile());
        // toHocon() writes every value VcnConfig holds; each of those the file sets must be the file's.
        Config loaded = ConfigFactory.parseString(config.toHocon());
        for (Map.Entry<String, ConfigValue> key : raw.getConfig("vcaps").entrySet()) {
            String path = "vcaps." + key.getKey();
            if (loaded.hasPath(path)) {
                assertEquals(normalised(key.getValue().unwrapped()), normalised(loaded.getValue(path).unwrapped()),
                        file + ": " + path + " as loaded");
            }
        }

        Config data = raw.getConfig("written-for");
        ImageShape shape = new ImageShape(data.getInt("height"), data.getInt("width"), data.getInt("channels"));
        int entities = data.getInt("entities");
        ModelShapes.check(config, shape);
        int latent = config.encoder().latentDim();

        MultiLayerNetwork encoder = Networks.encoder(config, shape, entities, DataType.FLOAT);
        INDArray capsules = encoder.output(Nd4j.rand(DataType.FLOAT, BATCH, shape.pixels()), false);
        assertArrayEquals(new long[] {BATCH, 2L * entities * latent}, capsules.shape(), file + ": E's mu and logvar");

        MultiLayerNetwork generator = Networks.generator(config, shape, entities, DataType.FLOAT);
        long inputs = (long) entities * latent + (config.generator().condition() ? entities : 0);
        INDArray images = generator.output(Nd4j.randn(DataType.FLOAT, BATCH, inputs), false);
        assertArrayEquals(new long[] {BATCH, shape.pixels()}, images.shape(), file + ": G's images");

        MultiLayerNetwork discriminator = Networks.discriminator(config, shape, DataType.FLOAT);
        INDArray scores = discriminator.output(images, false);
        assertArrayEquals(new long[] {BATCH, 1}, scores.shape(), file + ": D's scores");
        for (double score : scores.toDoubleVector()) {
            assertTrue(Double.isFinite(score), file + ": D's scores are " + scores);
        }
        System.out.printf("%s: %dx%dx%d, %d entities: E %,d, G %,d, D %,d parameters%n", file.getFileName(),
                shape.height(), shape.width(), shape.channels(), entities, encoder.numParams(),
                generator.numParams(), discriminator.numParams());
    }

    /** Numbers as doubles (the file's 2 is toHocon's 2.0), lists element by element, anything else as text. */
    private static Object normalised(Object value) {
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(ConfigurationsTest::normalised).toList();
        }
        return String.valueOf(value);
    }
}
