package io.vcaps.core.vcn;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * Where a model came from: the data set (id and counts per split), the seed, the library versions, how many
 * training rounds it has had, when it was made, and which of its run's models it is ({@link Selection}; absent in
 * bundles that are not a training run's final output, and in those written before vcaps kept the best model), and
 * {@code sparse_priors}: the entities whose fitted prior rests on fewer than 2 images, by name with their count
 * (1: the one image's posterior; 0: no image showed the entity, so its samples come from N(0, I)); absent when
 * there are none or the bundle has no fitted priors.
 */
public record Provenance(String dataset, Map<String, Long> counts, long seed, Map<String, String> versions,
        int rounds, String created, @JsonInclude(JsonInclude.Include.NON_NULL) Selection selection,
        @JsonProperty("sparse_priors") @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> sparsePriors)
        implements Serializable {

    public Provenance {
        // Sorted, not Map.copyOf: its iteration order changes with every JVM start, and bundle.json is written in it.
        sparsePriors = sparsePriors == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(sparsePriors));
        versions = versions == null ? null : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(versions));
        counts = counts == null ? null : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(counts));
    }

    /**
     * Which model of a training run a bundle is: {@code last} (the run's {@code model.zip}) or {@code best}
     * ({@code best.zip}), and the run's best held-out evaluation: its round, the measure that selected it
     * ({@code accuracy} for single-label data, {@link MultiLabelMeasures#SELECTED} for multi-label data; bundles
     * written before it was named hold {@code best_accuracy}) and its value on {@code bestExamples} images.
     */
    public record Selection(@JsonProperty("model") String model, @JsonProperty("best_round") long bestRound,
            @JsonProperty("best_measure") String bestMeasure,
            @JsonProperty("best_value") @JsonAlias("best_accuracy") double bestValue,
            @JsonProperty("best_examples") long bestExamples) implements Serializable {
        public static final String LAST = "last", BEST = "best";

        public Selection {
            bestMeasure = bestMeasure == null ? "accuracy" : bestMeasure;
        }
    }

    public static Provenance untrained(long seed) {
        return new Provenance("none", Map.of(), seed, libraryVersions(), 0, java.time.Instant.now().toString(), null,
                Map.of());
    }

    public Provenance afterRounds(int totalRounds) {
        return new Provenance(dataset, counts, seed, versions, totalRounds, created, selection, sparsePriors);
    }

    public Provenance trainedOn(String datasetId, Map<String, Long> datasetCounts) {
        return new Provenance(datasetId, Map.copyOf(datasetCounts), seed, versions, rounds, created, selection,
                sparsePriors);
    }

    public Provenance selected(Selection which) {
        return new Provenance(dataset, counts, seed, versions, rounds, created, which, sparsePriors);
    }

    /** This provenance naming the entities whose prior rests on fewer than 2 images ({@link EntityPriors#sparse}). */
    public Provenance withSparsePriors(Map<String, Long> sparse) {
        return new Provenance(dataset, counts, seed, versions, rounds, created, selection, sparse);
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
