package io.vcaps.spark;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The output-against-inputs rule on real local paths: how paths are compared, and the one line it refuses with. */
class SeparatePathsTest {
    private final Configuration conf = new Configuration();

    @TempDir
    Path dir;

    private JobFailure refused(String output, String input) {
        return assertThrows(JobFailure.class, () -> SeparatePaths.check(conf, output,
                List.of(SeparatePaths.input("--data", input))), output + " against " + input);
    }

    private void allowed(String output, String input) {
        assertDoesNotThrow(() -> SeparatePaths.check(conf, output, List.of(SeparatePaths.input("--data", input))),
                output + " against " + input);
    }

    @Test
    void equalContainingAndInsideAreRefusedWithOneLineNamingBoth() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path real = data.toRealPath();
        JobFailure same = refused(data.toString(), data.toString());
        assertEquals("--output " + data + " is the input --data " + data + " (as file://" + real + " and file://" + real
                + "): writing it would delete or change that input; choose an output outside every input",
                same.getMessage());
        assertTrue(refused(dir.toString(), data.toString()).getMessage().startsWith("--output " + dir
                + " contains the input --data " + data + " ("));
        assertTrue(refused(data.resolve("out").toString(), data.toString()).getMessage().startsWith("--output "
                + data.resolve("out") + " lies inside the input --data " + data + " ("));
        assertTrue(refused(dir.getRoot().toString(), data.toString()).getMessage().contains(" contains the input "));
    }

    @Test
    void pathsAreComparedQualifiedAndNormalised() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        refused(data + "/", data.toString());
        refused(data + "/./", data.toString());
        refused(data.resolve("x/..").toString(), data.toString());
        refused(data.resolve("../data").toString(), data + "/.");
        refused("file://" + data, data.toString());
        refused("file:" + data, "file:///" + data.toString().substring(1) + "/");
        refused("FILE:" + data.resolve("out"), data.toString());
        allowed(dir.resolve("data2").toString(), data.toString());
        allowed(dir.resolve("dat").toString(), data.toString());
        allowed(data.resolve("x/../../other").toString(), data.toString());
        allowed("hdfs://namenode:8020" + data, data.toString());
        allowed(data.toString(), null);
        allowed(null, data.toString());
    }

    @Test
    void symbolicLinksAreResolvedUpToTheNearestExistingFolder() throws Exception {
        Path data = Files.createDirectories(dir.resolve("real/data"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("real"));
        refused(link.resolve("data").toString(), data.toString());
        refused(link.toString(), data.toString());
        refused(link.resolve("data/not-yet/deeper").toString(), data.toString());
        JobFailure failure = refused(data.toString(), link.resolve("data/../data").toString());
        assertTrue(failure.getMessage().contains("(as file://" + data.toRealPath() + " and file://"
                + data.toRealPath() + ")"), failure.getMessage());
        allowed(link.resolve("other").toString(), data.toString());
    }

    @Test
    void anyOptionNamesTheOutput() throws Exception {
        Path model = Files.writeString(dir.resolve("model.zip"), "bundle");
        JobFailure failure = assertThrows(JobFailure.class, () -> SeparatePaths.check(conf, "--sheet",
                model.toString(), List.of(SeparatePaths.input("--data", dir.resolve("d").toString()),
                        SeparatePaths.input("--model", model.toString()))));
        assertTrue(failure.getMessage().startsWith("--sheet " + model + " is the input --model " + model),
                failure.getMessage());
        assertEquals("bundle", Files.readString(model));
    }
}
