package io.vcaps.jobs.batch;

import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.train.TrainFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A generated image with a NaN or infinite pixel value (a bundle of finite but enormous generator weights overflows
 * float32) fails {@code vcaps generate} with one line naming the image and counting its values; before, each such
 * value was rounded to 0 and the image written black without a word.
 */
class NonFinitePixelsTest {
    @TempDir
    Path dir;

    private Path bundle(float scale) throws Exception {
        return TrainFixtures.tinyBundle(dir.resolve("generator-x" + scale + ".zip"),
                m -> m.generator().params().muli(scale));
    }

    @Test
    void anImageWithNonFinitePixelsIsNamedNotWrittenBlack() throws Exception {
        TestSpark.session();
        Path sane = dir.resolve("sane");
        Cli ok = Cli.run(new GenerateJob(), "--model", bundle(1f).toString(), "--output", sane.toString(),
                "--per-entity", "2", "--images", "png");
        assertEquals(0, ok.exit(), ok.err());

        Path out = dir.resolve("overflowing");
        Cli run = Cli.run(new GenerateJob(), "--model", bundle(1e30f).toString(), "--output", out.toString(),
                "--per-entity", "2", "--images", "png");
        assertEquals(1, run.exit(), run.out());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("generated image ") && run.err().contains("pixel values NaN or infinite"),
                run.err());
        assertFalse(Cli.leftovers(out), "no output, no staging folder");
    }
}
