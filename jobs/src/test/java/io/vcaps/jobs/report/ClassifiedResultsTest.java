package io.vcaps.jobs.report;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The report reads a classified output that evaluated several splits apart ({@code splits} in {@code _eval.json}) as
 * its test split's evaluation, with that split's confusion matrix picture.
 */
class ClassifiedResultsTest {
    @TempDir
    Path dir;

    @Test
    void ofSeveralSplitsTheTestSplitIsRead() throws Exception {
        Files.writeString(dir.resolve("_eval.json"), """
                {"bundle_id": "b", "split": "each", "rows": 5, "non_finite": 0, "splits": {
                  "test": {"rows": 2, "task": "single-label", "accuracy": 0.5, "macro_f1": 0.25,
                           "confusion_png": "_confusion_test.png"},
                  "train": {"rows": 3, "task": "single-label", "accuracy": 1.0, "macro_f1": 1.0,
                            "confusion_png": "_confusion_train.png"}}}
                """);
        byte[] picture = {1, 2, 3};
        Files.write(dir.resolve("_confusion_test.png"), picture);
        Files.write(dir.resolve("_confusion_train.png"), new byte[] {9});
        ClassifiedResults read = ClassifiedResults.read(new Configuration(), dir.toString());
        assertEquals("test", read.eval().path("split").asText());
        assertEquals(0.5, read.eval().path("accuracy").asDouble());
        assertEquals(2, read.eval().path("rows").asLong());
        assertEquals("b", read.eval().path("bundle_id").asText());
        assertNotNull(read.confusion());
        assertArrayEquals(picture, read.confusion().png());
    }
}
