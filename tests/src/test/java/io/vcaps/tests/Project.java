package io.vcaps.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The checkout under test: its root (surefire's {@code vcaps.root}), the launcher, and what the jobs module's
 * {@code package} phase writes: the application jar and the resolved Spark classpath.
 */
record Project(Path root) {

    static Project current() {
        String root = System.getProperty("vcaps.root");
        // Run from an IDE without the surefire property: the tests module's folder is the working directory.
        return new Project((root != null ? Path.of(root) : Path.of("..")).toAbsolutePath().normalize());
    }

    /**
     * The environment the tests run the launcher in: this JVM's, on the loopback address, with Spark from the
     * project's jars (not an installed Spark that may differ), no preset or jar from the caller, and this JVM's
     * {@code java} first on the path. A null value removes the variable.
     */
    static Map<String, String> launcherEnvironment() {
        Map<String, String> environment = new HashMap<>(StandaloneCluster.LOOPBACK);
        environment.put("SPARK_HOME", null);
        environment.put("VCAPS_PRESET", null);
        environment.put("VCAPS_JAR", null);
        environment.put("VCAPS_SUBMIT_OPTS", null);
        environment.put("PATH", Path.of(System.getProperty("java.home"), "bin") + java.io.File.pathSeparator
                + System.getenv("PATH"));
        return environment;
    }

    Path launcher() {
        return root.resolve("submit-scripts/vcaps");
    }

    Path presets() {
        return root.resolve("submit-scripts/presets");
    }

    Path conf() {
        return root.resolve("conf");
    }

    Path appJar() {
        return root.resolve("jobs/target/vcaps-app.jar");
    }

    Path sparkClasspathFile() {
        return root.resolve("jobs/target/spark-classpath.txt");
    }

    /** The jars of {@code jobs/target/spark-classpath.txt}, in order. */
    List<Path> sparkClasspath() throws IOException {
        return Arrays.stream(Files.readString(sparkClasspathFile()).strip().split(java.io.File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    /**
     * Fails, saying how to build it, unless the application jar and the classpath file exist and the jar is newer
     * than every compiled class of core, dataset and jobs: a stale jar would test old code.
     */
    void requireBuiltApplication() throws IOException {
        String build = "build it first: mvn -B -ntp -DskipTests package (a reactor 'mvn verify' packages jobs before"
                + " these tests run; 'mvn test' does not)";
        if (!Files.isRegularFile(appJar()) || !Files.isRegularFile(sparkClasspathFile())) {
            throw new AssertionError("the application jar " + appJar() + " or " + sparkClasspathFile()
                    + " is missing: " + build);
        }
        FileTime jar = Files.getLastModifiedTime(appJar());
        for (String module : List.of("core", "dataset", "jobs")) {
            Path classes = root.resolve(module).resolve("target/classes");
            if (!Files.isDirectory(classes)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(classes)) {
                Path newer = files.filter(Files::isRegularFile)
                        .filter(f -> modified(f).compareTo(jar) > 0).findFirst().orElse(null);
                if (newer != null) {
                    throw new AssertionError(appJar() + " is older than " + newer + ": " + build);
                }
            }
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Java 17 flags every JVM of the project needs (the parent pom's {@code java17.opens}, via surefire). */
    static List<String> java17Flags() {
        String flags = System.getProperty("vcaps.java17.opens");
        if (flags == null || flags.isBlank()) {
            throw new AssertionError("system property vcaps.java17.opens is not set: run through Maven "
                    + "(tests/pom.xml)");
        }
        return List.of(flags.strip().split("\\s+"));
    }
}
