package io.vcaps.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Output that appears complete or not at all, on the real local filesystem through Hadoop URIs. */
class CommittedOutputTest {
    private final Configuration conf = new Configuration();

    @TempDir
    Path dir;

    private static void write(FileSystem fs, org.apache.hadoop.fs.Path file, String text) throws IOException {
        try (OutputStream out = fs.create(file)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void stagedOutputAppearsOnlyOnCommit() throws Exception {
        String uri = "file://" + dir.resolve("data");
        try (CommittedOutput output = CommittedOutput.begin(conf, uri, OutputMode.ERROR)) {
            assertEquals(output.target().getParent(), output.staging().getParent());
            assertTrue(output.staging().getName().startsWith(".data.vcaps-staging-"), output.staging().getName());
            write(output.fileSystem(), new org.apache.hadoop.fs.Path(output.staging(), "part-0"), "rows");
            assertFalse(Files.exists(dir.resolve("data")));
            output.commit();
        }
        assertEquals("rows", Files.readString(dir.resolve("data/part-0")));
        try (var entries = Files.list(dir)) {
            assertEquals(1, entries.count(), "no staging folder is left");
        }
    }

    @Test
    void closingWithoutCommitLeavesNothing() throws Exception {
        try (CommittedOutput output = CommittedOutput.begin(conf, dir.resolve("data").toString(), OutputMode.ERROR)) {
            write(output.fileSystem(), new org.apache.hadoop.fs.Path(output.staging(), "part-0"), "half");
        }
        try (var entries = Files.list(dir)) {
            assertEquals(0, entries.count());
        }
    }

    @Test
    void anExistingOutputIsAnErrorUnlessOverwriting() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/old"), "old");
        JobFailure failure = assertThrows(JobFailure.class,
                () -> CommittedOutput.begin(conf, dir.resolve("data").toString(), OutputMode.ERROR));
        assertEquals("output already exists: file:" + dir.resolve("data") + " (use --mode overwrite to replace it)",
                failure.getMessage());

        try (CommittedOutput output = CommittedOutput.begin(conf, dir.resolve("data").toString(),
                OutputMode.OVERWRITE)) {
            write(output.fileSystem(), new org.apache.hadoop.fs.Path(output.staging(), "new"), "new");
            assertTrue(Files.exists(dir.resolve("data/old")), "the old output stays until the commit");
            output.commit();
        }
        assertFalse(Files.exists(dir.resolve("data/old")));
        assertEquals("new", Files.readString(dir.resolve("data/new")));
        try (var entries = Files.list(dir)) {
            assertEquals(1, entries.count(), "the previous output is deleted");
        }
    }

    @Test
    void outputModesAreNamedInLowerCase() {
        assertEquals("overwrite", OutputMode.OVERWRITE.toString());
        assertEquals("error", OutputMode.ERROR.toString());
    }

    @Test
    void failuresAreDescribedInOneLine() {
        assertEquals("input not found: /x", JobCommandLine.describe(new RuntimeException("wrapped",
                new JobFailure("input not found: /x"))));
        assertEquals("IOException: disk full on /data", JobCommandLine.describe(new IllegalStateException("outer",
                new IOException("disk full\n on /data"))));
    }
}
