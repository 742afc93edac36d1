package io.vcaps.jobs.etl;

import io.vcaps.images.ImageFixtures;
import io.vcaps.spark.JobCommandLine;
import io.vcaps.spark.ObjectStores;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vcaps etl} as a user runs it: flags, exit codes and messages. */
class EtlJobTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startSpark() {
        TestSpark.session();
    }

    private int run(String... args) {
        CommandLine commandLine = JobCommandLine.create(new EtlJob());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private Path mnistLike() throws Exception {
        Path input = dir.resolve("mnist");
        Fixtures.idx(input.resolve("train-images-idx3-ubyte.gz"), new int[] {6, 28, 28}, Fixtures.idxImages(6, 28));
        Fixtures.idx(input.resolve("train-labels-idx1-ubyte.gz"), new int[] {6}, Fixtures.idxLabels(6));
        Fixtures.idx(input.resolve("t10k-images-idx3-ubyte.gz"), new int[] {2, 28, 28}, Fixtures.idxImages(2, 28));
        Fixtures.idx(input.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {2}, Fixtures.idxLabels(2));
        return input;
    }

    /** Every file under {@code root} (links not followed) with its bytes, to show nothing was touched. */
    static Map<String, String> files(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                out.put(root.relativize(p).toString(), Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        ? Base64.getEncoder().encodeToString(Files.readAllBytes(p)) : "not a file");
            }
        }
        return out;
    }

    @Test
    void anOutputThatIsHoldsOrLiesInsideAnInputIsRefusedBeforeAnythingIsTouched() throws Exception {
        Path input = mnistLike();
        Path attributes = Fixtures.write(dir.resolve("list_attr.txt"), "1\nSmiling\n000001.jpg 1\n".getBytes());
        Path link = Files.createSymbolicLink(dir.resolve("link"), input);
        Map<String, String> before = files(dir);
        String[][] cases = {
            {input.toString(), "is"},
            {input.resolve("..").toString(), "contains"},
            {input.resolve("out").toString(), "lies inside"},
            {"file://" + input + "/", "is"},
            {link.toString(), "is"},
            {link.resolve("nested/out").toString(), "lies inside"},
        };
        Configuration hadoop = TestSpark.session().sparkContext().hadoopConfiguration();
        try {
            for (String schemes : new String[] {"", "file"}) {
                // "file" writes local outputs in place, as s3a's are: there the old output used to go first.
                hadoop.set(ObjectStores.SCHEMES, schemes);
                for (String[] c : cases) {
                    out.getBuffer().setLength(0);
                    err.getBuffer().setLength(0);
                    assertEquals(1, run("--source", "idx", "--input", input.toString(), "--output", c[0], "--mode",
                            "overwrite"), c[0]);
                    assertTrue(err.toString().startsWith("etl failed: --output " + c[0] + " " + c[1]
                            + " the input --input " + input + " (as file://"), err.toString());
                    assertEquals(1, err.toString().lines().count(), err.toString());
                    assertEquals(before, files(dir), "nothing under " + dir + " changed: " + c[0]);
                }
                err.getBuffer().setLength(0);
                assertEquals(1, run("--source", "attributes", "--input", input.toString(), "--attributes",
                        attributes.toString(), "--output", attributes.toString(), "--mode", "overwrite"));
                assertTrue(err.toString().startsWith("etl failed: --output " + attributes
                        + " is the input --attributes " + attributes + " (as "), err.toString());
                assertEquals(before, files(dir));
            }
        } finally {
            hadoop.unset(ObjectStores.SCHEMES);
        }
    }

    @Test
    void entityNamesNoBundleCouldHoldAreRefusedNamingTheColumnOrFolder() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        String[][] headers = {
            {"Smiling Wearing_Hat/Cap Young", "attribute 1 \"Wearing_Hat/Cap\" holds a path separator"},
            {"Smiling Young Smiling", "attribute 2 \"Smiling\" is named twice"},
            {"Smiling ..hidden Young", "attribute 1 \"..hidden\" holds .."},
        };
        for (String[] header : headers) {
            Path table = Fixtures.write(dir.resolve("list_attr.txt"),
                    ("2\n" + header[0] + "\n000001.jpg 1 -1 1\n000002.jpg -1 1 1\n").getBytes());
            err.getBuffer().setLength(0);
            assertEquals(1, run("--source", "attributes", "--input", images.toString(), "--attributes",
                    table.toString(), "--output", dir.resolve("out").toString()));
            assertEquals("etl failed: attribute file file:" + table + ": the header on line 2 names " + header[1]
                    + "; attributes become entity names, which name files and bundle entries: rename it in the header"
                    + " (docs/DATA.md, \"Entity names\")" + System.lineSeparator(), err.toString());
        }
        Path folders = dir.resolve("folders");
        Fixtures.image(folders.resolve("cat/1.png"), ImageFixtures.grey(28, 28, 1), "png");
        Fixtures.image(folders.resolve("~misc/2.png"), ImageFixtures.grey(28, 28, 2), "png");
        err.getBuffer().setLength(0);
        assertEquals(1, run("--source", "folders", "--input", folders.toString(), "--output",
                dir.resolve("out").toString()));
        assertEquals("etl failed: folders input file:" + folders + ": class folder 1 \"~misc\" starts like a hidden,"
                + " home or drive path; class folders become entity names, which name files and bundle entries:"
                + " rename the folder (docs/DATA.md, \"Entity names\")" + System.lineSeparator(), err.toString());
        assertTrue(Files.notExists(dir.resolve("out")));
    }

    @Test
    void helpListsTheOptions() {
        assertEquals(0, run("--help"));
        for (String option : new String[] {"--source", "--input", "--attributes", "--output", "--height", "--width",
                "--channels",
            "--test-fraction", "--mode", "--max-pixels"}) {
            assertTrue(out.toString().contains(option), option + " in " + out);
        }
    }

    @Test
    void aRunWritesTheDatasetAndSaysWhat() throws Exception {
        Path output = dir.resolve("out");
        assertEquals(0, run("--source", "idx", "--input", mnistLike().toString(), "--output", output.toString()),
                err.toString());
        assertEquals("etl: 8 images (train 6, test 2), 0 rejects -> " + output + System.lineSeparator(),
                out.toString());
        assertTrue(Files.exists(output.resolve("_vcaps.json")));

        assertEquals(1, run("--source", "idx", "--input", mnistLike().toString(), "--output", output.toString()));
        assertEquals("etl failed: output already exists: file:" + output + " (use --mode overwrite to replace it)"
                + System.lineSeparator(), err.toString());
        assertEquals(0,
                run("--source", "IDX", "--input", mnistLike().toString(), "--output", output.toString(), "--mode",
                "overwrite"));
    }

    @Test
    void aMissingInputFailsWithExitOneNamingIt() {
        assertEquals(1,
                run("--source", "folders", "--input", dir.resolve("absent").toString(), "--output",
                dir.resolve("o").toString()));
        assertEquals("etl failed: input not found: file:" + dir.resolve("absent") + System.lineSeparator(),
                err.toString());
        assertTrue(Files.notExists(dir.resolve("o")));
    }

    @Test
    void badFlagsAndValuesExitTwo() {
        assertEquals(2, run("--source", "idx", "--input", "x", "--output", "y", "--colour", "blue"));
        assertTrue(err.toString().startsWith("etl: Unknown options: '--colour', 'blue'"), err.toString());
        assertTrue(err.toString().contains("Try 'etl --help'"), err.toString());

        for (String[] args : new String[][] {
            {"--source", "pictures", "--input", "x", "--output", "y"},
            {"--input", "x", "--output", "y"},
            {"--source", "attributes", "--input", "x", "--output", "y"},
            {"--source", "idx", "--input", "x", "--output", "y", "--attributes", "a.csv"},
            {"--source", "idx", "--input", "x", "--output", "y", "--channels", "2"},
            {"--source", "idx", "--input", "x", "--output", "y", "--test-fraction", "1.5"},
            {"--source", "idx", "--input", "x", "--output", "y", "--mode", "append"},
            {"--source", "idx", "--input", "x", "--output", "y", "--height", "many"},
        }) {
            err.getBuffer().setLength(0);
            assertEquals(2, run(args), String.join(" ", args));
            assertTrue(err.toString().startsWith("etl: "), err.toString());
        }
        err.getBuffer().setLength(0);
        run("--source", "attributes", "--input", "x", "--output", "y");
        assertTrue(err.toString().contains("needs an attribute file (--attributes)"), err.toString());
    }
}
