package io.vcaps.core;

import com.puppycrawl.tools.checkstyle.Checker;
import com.puppycrawl.tools.checkstyle.ConfigurationLoader;
import com.puppycrawl.tools.checkstyle.PropertiesExpander;
import com.puppycrawl.tools.checkstyle.api.AuditEvent;
import com.puppycrawl.tools.checkstyle.api.AuditListener;
import com.puppycrawl.tools.checkstyle.api.CheckstyleException;
import com.puppycrawl.tools.checkstyle.checks.imports.ImportControlCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The build's own checkstyle.xml and import-control.xml, run through Checkstyle's API on one-file sources: an import
 * that docs/ARCHITECTURE.md draws no arrow for is a violation, as {@code mvn verify} reports it; a drawn one is not.
 */
class ImportRulesTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

    @Test
    void anUndrawnArrowIsAViolation() throws Exception {
        List<String> found = importViolations("main", "io.vcaps.core.vcn", "io.vcaps.spark.Sessions");
        assertEquals(1, found.size(), found.toString());
        assertTrue(found.get(0).contains("io.vcaps.spark.Sessions"), found.get(0));

        assertEquals(1, importViolations("main", "io.vcaps.jobs.batch", "io.vcaps.jobs.train.TrainJob").size(),
                "batch does not import train");
        assertEquals(1, importViolations("main", "io.vcaps.jobs.train", "io.vcaps.bench.BenchJob").size(),
                "the entry point's arrows are its own, not its subpackages'");
        assertEquals(1, importViolations("main", "io.vcaps.core.layers", "org.apache.spark.sql.SparkSession").size(),
                "core has no Spark");
    }

    @Test
    void aDrawnArrowIsNot() throws Exception {
        assertEquals(List.of(), importViolations("main", "io.vcaps.core.vcn", "io.vcaps.core.config.VcnConfig"));
        assertEquals(List.of(), importViolations("main", "io.vcaps.jobs", "io.vcaps.bench.BenchJob"));
        assertEquals(List.of(), importViolations("main", "io.vcaps.jobs.train", "org.apache.spark.sql.SparkSession"));
    }

    @Test
    void theAveragingEngineImportsNothingOfVcaps() throws Exception {
        assertEquals(1, importViolations("main", "io.vcaps.jobs.averaging", "io.vcaps.spark.InjectedPause").size());
        assertEquals(1, importViolations("main", "io.vcaps.jobs.averaging", "io.vcaps.jobs.train.Example").size());
        assertEquals(List.of(), importViolations("main", "io.vcaps.jobs.averaging", "org.apache.spark.Partitioner"));
    }

    @Test
    void testsBuildTheirFixturesFromAnyPackage() throws Exception {
        assertEquals(List.of(), importViolations("test", "io.vcaps.core.vcn", "io.vcaps.spark.Sessions"));
    }

    /** The ImportControl violations of one source under src/{@code sourceSet}/java importing {@code imported}. */
    private List<String> importViolations(String sourceSet, String pkg, String imported)
            throws IOException, CheckstyleException {
        Path file = dir.resolve("src").resolve(sourceSet).resolve("java").resolve(pkg.replace('.', '/'))
                .resolve("Probe.java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "package " + pkg + ";\n\nimport " + imported + ";\n\nclass Probe {\n}\n");

        Properties properties = new Properties();
        properties.setProperty("config_loc", ROOT.toString());
        Checker checker = new Checker();
        List<String> violations = new ArrayList<>();
        try {
            checker.setModuleClassLoader(Checker.class.getClassLoader());
            checker.configure(ConfigurationLoader.loadConfiguration(ROOT.resolve("checkstyle.xml").toString(),
                    new PropertiesExpander(properties)));
            checker.addListener(new Violations(violations));
            checker.process(List.of(file.toFile()));
        } finally {
            checker.destroy();
        }
        return violations;
    }

    private record Violations(List<String> found) implements AuditListener {
        @Override
        public void addError(AuditEvent event) {
            if (event.getSourceName().equals(ImportControlCheck.class.getName())) {
                found.add(event.getMessage());
            }
        }

        @Override
        public void addException(AuditEvent event, Throwable throwable) {
            throw new AssertionError("Checkstyle failed on " + event.getFileName(), throwable);
        }

        @Override
        public void auditStarted(AuditEvent event) {
        }

        @Override
        public void auditFinished(AuditEvent event) {
        }

        @Override
        public void fileStarted(AuditEvent event) {
        }

        @Override
        public void fileFinished(AuditEvent event) {
        }
    }
}
