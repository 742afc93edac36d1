package io.vcaps.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A --conf file's misspelt keys, wrong types and out-of-range values are errors naming the key. */
class ConfigChecksTest {

    @TempDir
    Path dir;

    private File write(String text) throws IOException {
        Path file = dir.resolve("run.conf");
        Files.writeString(file, text);
        return file.toFile();
    }

    private String failure(String text) throws IOException {
        File file = write(text);
        return assertThrows(IllegalArgumentException.class, () -> VcnConfig.load(file)).getMessage();
    }

    @Test
    void aMisspeltKeyIsNamedWithTheClosestValidKey() throws IOException {
        String message = failure("vcaps.optimizer.encoder-generator { learning-rat = 0.01 }\n");
        assertTrue(message.contains("unknown key vcaps.optimizer.encoder-generator.learning-rat"), message);
        assertTrue(message.contains("did you mean vcaps.optimizer.encoder-generator.learning-rate?"), message);
        assertTrue(message.contains("run.conf"), message);
    }

    @Test
    void aMisspeltBlockIsNamed() throws IOException {
        String message = failure("vcaps { trainig { batch-size = 10 } }\n");
        assertTrue(message.contains("unknown key vcaps.trainig"), message);
        assertTrue(message.contains("did you mean vcaps.training"), message);
    }

    @Test
    void keysOutsideTheVcapsBlockAreTheFilesOwn() throws IOException {
        VcnConfig config = VcnConfig.load(write("written-for { height = 28 }\nvcaps.training.batch-size = 7\n"));
        assertEquals(7, config.batchSize());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "vcaps.loss.lambda = -0.5 | vcaps.loss.lambda",
        "vcaps.loss.lambda = lots | vcaps.loss.lambda",
        "vcaps.training.batch-size = 0 | vcaps.training.batch-size",
        "vcaps.training.batch-size = [1] | vcaps.training.batch-size",
        "vcaps.loss { m-plus = 64, m-minus = 64 } | vcaps.loss.m-plus",
        "vcaps.model.conv1 = 3 | vcaps.model.conv1",
        "vcaps.model.discriminator.channels = [8, 0] | vcaps.model.discriminator.channels",
        "vcaps.optimizer.discriminator.beta1 = 1 | vcaps.optimizer.discriminator.beta1",
        "vcaps.optimizer.encoder-generator.learning-rate = 0 | vcaps.optimizer.encoder-generator.learning-rate",
        "vcaps.inference.threshold = soon | vcaps.inference.threshold",
        "vcaps.model.capsules.weight-std = -1 | vcaps.model.capsules.weight-std",
    })
    void aBadValueIsNamedByItsKey(String text, String key) throws IOException {
        String message = failure(text + "\n");
        assertTrue(message.contains(key), message);
        assertTrue(message.contains("run.conf"), message);
    }

    @Test
    void lambdaZeroIsValid() throws IOException {
        assertEquals(0.0, VcnConfig.load(write("vcaps.loss.lambda = 0\n")).loss().lambda());
    }

    @Test
    void bundleTextIsReadAsDataWithoutIncludes() throws IOException {
        Path included = dir.resolve("elsewhere.conf");
        Files.writeString(included, "vcaps.training.batch-size = 3\n");
        for (String include : new String[] {"include file(\"" + included + "\")", "include \"" + included + "\"",
            "include url(\"" + included.toUri() + "\")", "include classpath(\"reference.conf\")"}) {
            String message = assertThrows(IllegalArgumentException.class,
                    () -> VcnConfig.parse(include + "\n", "bundle x.zip")).getMessage();
            assertTrue(message.contains("refused") && message.contains("bundle x.zip"), include + ": " + message);
        }
        assertEquals(3, VcnConfig.load(write("include file(\"" + included + "\")\n")).batchSize(),
                "an operator's own --conf file may include others");
    }

    @Test
    void editDistance() {
        assertEquals(1, ConfigChecks.distance("learning-rat", "learning-rate"));
        assertEquals(3, ConfigChecks.distance("kitten", "sitting"));
        assertEquals(0, ConfigChecks.distance("", ""));
    }
}
