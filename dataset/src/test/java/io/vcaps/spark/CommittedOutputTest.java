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
import java.util.List;

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
        try (CommittedOutput output = CommittedOutput.begin(conf, uri, OutputMode.ERROR, List.of())) {
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
        try (CommittedOutput output = CommittedOutput.begin(conf, dir.resolve("data").toString(), OutputMode.ERROR,
                List.of())) {
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
                () -> CommittedOutput.begin(conf, dir.resolve("data").toString(), OutputMode.ERROR, List.of()));
        assertEquals("output already exists: file:" + dir.resolve("data") + " (use --mode overwrite to replace it)",
                failure.getMessage());

        try (CommittedOutput output = CommittedOutput.begin(conf, dir.resolve("data").toString(),
                OutputMode.OVERWRITE, List.of())) {
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
    void objectStoresAreWrittenInPlaceAndOthersStaged() {
        assertTrue(ObjectStores.writesInPlace(conf, new org.apache.hadoop.fs.Path("s3a://bucket/runs/x")));
        assertTrue(ObjectStores.writesInPlace(conf, new org.apache.hadoop.fs.Path("gs://bucket/x")));
        assertFalse(ObjectStores.writesInPlace(conf, new org.apache.hadoop.fs.Path("hdfs://nn:8020/x")));
        assertFalse(ObjectStores.writesInPlace(conf, new org.apache.hadoop.fs.Path("file:/tmp/x")));
        Configuration own = new Configuration(conf);
        own.set(ObjectStores.SCHEMES, " file , hdfs ");
        assertTrue(ObjectStores.writesInPlace(own, new org.apache.hadoop.fs.Path("hdfs://nn:8020/x")));
        assertFalse(ObjectStores.writesInPlace(own, new org.apache.hadoop.fs.Path("s3a://bucket/x")));
    }

    @Test
    void inPlaceTheOutputIsWrittenWhereItGoesAndRemovedWhenNotCommitted() throws Exception {
        Configuration inPlace = new Configuration(conf);
        inPlace.set(ObjectStores.SCHEMES, "file");
        try (CommittedOutput output = CommittedOutput.begin(inPlace, dir.resolve("data").toString(),
                OutputMode.OVERWRITE, List.of())) {
            assertEquals(output.target(), output.staging(), "no staging folder to copy from");
            write(output.fileSystem(), new org.apache.hadoop.fs.Path(output.staging(), "new"), "new");
            output.commit();
        }
        assertEquals("new", Files.readString(dir.resolve("data/new")));
        try (CommittedOutput output = CommittedOutput.begin(inPlace, dir.resolve("half").toString(),
                OutputMode.ERROR, List.of())) {
            write(output.fileSystem(), new org.apache.hadoop.fs.Path(output.staging(), "part-0"), "half");
        }
        try (var entries = Files.list(dir)) {
            assertEquals(List.of("data"), entries.map(p -> p.getFileName().toString()).toList(),
                    "the uncommitted output is deleted");
        }
    }

    @Test
    void inPlaceAnExistingOutputIsRefusedEvenInOverwriteModeAndKept() throws Exception {
        Configuration inPlace = new Configuration(conf);
        inPlace.set(ObjectStores.SCHEMES, "file");
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/old"), "old");
        JobFailure failure = assertThrows(JobFailure.class, () -> CommittedOutput.begin(inPlace,
                dir.resolve("data").toString(), OutputMode.OVERWRITE, List.of()));
        assertEquals("output file:" + dir.resolve("data") + " exists and is written in place (its scheme is in "
                + ObjectStores.SCHEMES + "), where the old output cannot be kept until the new one is complete;"
                + " delete it first, or choose another path", failure.getMessage());
        assertEquals("old", Files.readString(dir.resolve("data/old")), "the previous output is untouched");
    }

    @Test
    void anOutputOverlappingAnInputIsRefusedBeforeAnythingIsDeleted() throws Exception {
        for (String schemes : new String[] {"", "file"}) {
            Configuration own = new Configuration(conf);
            own.set(ObjectStores.SCHEMES, schemes);
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(dir.resolve("data/rows"), "rows");
            for (String output : List.of(dir.resolve("data").toString(), dir.toString(),
                    dir.resolve("data/out").toString())) {
                JobFailure failure = assertThrows(JobFailure.class, () -> CommittedOutput.begin(own, output,
                        OutputMode.OVERWRITE, List.of(SeparatePaths.input("--data", dir.resolve("data").toString()))));
                assertTrue(failure.getMessage().startsWith("--output " + output + " "), failure.getMessage());
                assertEquals("rows", Files.readString(dir.resolve("data/rows")), schemes + " " + output);
                try (var entries = Files.list(dir)) {
                    assertEquals(List.of("data"), entries.map(p -> p.getFileName().toString()).toList());
                }
            }
        }
    }

    @Test
    void aWriterThatFailsLeavesNoFileBehind() throws Exception {
        FileSystem fs = FileSystem.getLocal(conf);
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve("model.zip").toUri());
        for (boolean inPlace : new boolean[] {false, true}) {
            IOException failure = assertThrows(IOException.class, () -> HadoopFiles.writeIntoPlace(fs, inPlace,
                    new org.apache.hadoop.fs.Path(dir.resolve(".model.zip.tmp").toUri()), file,
                    f -> HadoopFiles.create(fs, f, out -> {
                        out.write("half a model".getBytes(StandardCharsets.UTF_8));
                        throw new IOException("disk full");
                    })));
            assertEquals("disk full", failure.getMessage());
            try (var entries = Files.list(dir)) {
                assertEquals(0, entries.filter(p -> !p.getFileName().toString().endsWith(".crc")).count(),
                        "in place " + inPlace + ": nothing torn is left");
            }
        }
    }

    @Test
    void outputModesAreNamedInLowerCase() {
        assertEquals("overwrite", OutputMode.OVERWRITE.toString());
        assertEquals("error", OutputMode.ERROR.toString());
    }
}
