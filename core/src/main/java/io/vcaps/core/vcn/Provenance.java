package io.vcaps.core.vcn;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * Where a model came from: the data set (id and counts per split), the seed, the library versions, how many
 * training rounds it has had, and when it was made.
 */
public record Provenance(String dataset, Map<String, Long> counts, long seed, Map<String, String> versions,
        int rounds, String created) implements Serializable {

    public static Provenance untrained(long seed) {
        return new Provenance("none", Map.of(), seed, libraryVersions(), 0, java.time.Instant.now().toString());
    }

    public Provenance afterRounds(int totalRounds) {
        return new Provenance(dataset, counts, seed, versions, totalRounds, created);
    }

    public Provenance trainedOn(String datasetId, Map<String, Long> datasetCounts) {
        return new Provenance(datasetId, Map.copyOf(datasetCounts), seed, versions, rounds, created);
    }

    /** vcaps' and DL4J's versions as the build wrote them into {@code versions.properties}, and Java's. */
    static Map<String, String> libraryVersions() {
        Properties built = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream("versions.properties")) {
            if (in == null) {
                throw new IllegalStateException("versions.properties is missing beside " + Provenance.class);
            }
            built.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read versions.properties", e);
        }
        return Map.of(
                "vcaps", built.getProperty("vcaps"),
                "java", System.getProperty("java.version"),
                "deeplearning4j", built.getProperty("deeplearning4j"));
    }
}
