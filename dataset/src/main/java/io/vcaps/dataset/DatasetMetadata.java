package io.vcaps.dataset;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vcaps.core.vcn.ImageShape;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * The {@code _vcaps.json} file of a dataset: what it holds (entities, shape, counts per split and
 * entity, rejects) and where it came from. docs/DATA.md describes every field.
 */
@JsonPropertyOrder({"schema_version", "created", "source", "shape", "multi_label", "entities", "split", "counts",
        "rejects"})
public record DatasetMetadata(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("created") String created,
        @JsonProperty("source") Source source,
        @JsonProperty("shape") ImageShape shape,
        @JsonProperty("multi_label") boolean multiLabel,
        @JsonProperty("entities") List<String> entities,
        @JsonProperty("split") Split split,
        @JsonProperty("counts") Map<String, SplitCounts> counts,
        @JsonProperty("rejects") Rejects rejects) {

    /** The version of the dataset layout this code writes. */
    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Where the data came from; {@code attributes} only for the attributes source. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Source(@JsonProperty("kind") String kind, @JsonProperty("input") String input,
                         @JsonProperty("attributes") String attributes) {
    }

    /** How rows were split: {@code files} (IDX), {@code folders} (train/ and test/) or {@code hash}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Split(@JsonProperty("method") String method, @JsonProperty("test_fraction") Double testFraction) {
    }

    /** Images of one split: in all, and per entity name (images in which the entity is present). */
    public record SplitCounts(@JsonProperty("total") long total,
            @JsonProperty("per_entity") Map<String, Long> perEntity) {
    }

    /** Rejected inputs: in all, per reason and per stage. */
    public record Rejects(@JsonProperty("total") long total, @JsonProperty("by_reason") Map<String, Long> byReason,
                         @JsonProperty("by_stage") Map<String, Long> byStage) {
    }

    /** Images in all splits. */
    public long images() {
        return counts.values().stream().mapToLong(SplitCounts::total).sum();
    }

    /** Writes this as {@code _vcaps.json} into the folder {@code dataset}. */
    public void write(Configuration conf, Path dataset) throws IOException {
        Path file = new Path(dataset, DatasetSchema.METADATA_FILE);
        FileSystem fs = file.getFileSystem(conf);
        try (OutputStream out = fs.create(file, false)) {
            JSON.writeValue(out, this);
        }
    }

    /** The JSON text of this metadata. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("metadata cannot be written as JSON", e);
        }
    }

    /** Fails naming {@code file} and the first field the jobs read that it lacks (docs/DATA.md, "_vcaps.json"). */
    private void requireFields(Path file) throws IOException {
        String missing = shape == null ? "shape" : entities == null ? "entities" : counts == null ? "counts" : null;
        if (missing == null) {
            missing = counts.entrySet().stream().filter(e -> e.getValue() == null)
                    .map(e -> "counts." + e.getKey() + ".total").findFirst().orElse(null);
        }
        if (missing != null) {
            throw new IOException(file + " lacks the field '" + missing + "'; write the dataset again with vcaps etl"
                    + " (docs/DATA.md, \"_vcaps.json\")");
        }
    }

    /** Reads {@code _vcaps.json} of the dataset at {@code dataset} (a folder URI or path). */
    public static DatasetMetadata read(Configuration conf, String dataset) throws IOException {
        Path file = new Path(new Path(dataset), DatasetSchema.METADATA_FILE);
        FileSystem fs = file.getFileSystem(conf);
        try (InputStream in = fs.open(file)) {
            DatasetMetadata metadata = JSON.readValue(in, DatasetMetadata.class);
            if (metadata.schemaVersion() != SCHEMA_VERSION) {
                throw new IOException(file + " has schema version " + metadata.schemaVersion()
                        + "; this vcaps reads version " + SCHEMA_VERSION);
            }
            metadata.requireFields(file);
            return metadata;
        }
    }
}
