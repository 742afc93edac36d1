package io.vcaps.core.bundle;

import java.io.Serializable;
import java.util.Map;

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

    static Map<String, String> libraryVersions() {
        return Map.of(
                "vcaps", String.valueOf(Provenance.class.getPackage().getImplementationVersion()),
                "java", System.getProperty("java.version"),
                "deeplearning4j", "1.0.0-M2.1");
    }
}
