package io.vcaps.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.jobs.batch.Bundle;
import io.vcaps.jobs.train.RunDirectory;
import io.vcaps.spark.JobFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A finished training run (RUN_DIR of {@code vcaps train}) as the report reads it: the final evaluation
 * ({@code eval.json}), the model ({@code model.zip}), the metrics log ({@code metrics.jsonl}, optional) and the
 * names of its checkpoints. Reading fails, naming the path, when the folder, its evaluation or its model is missing.
 */
record RunRecord(Path root, JsonNode eval, List<JsonNode> metrics, Bundle bundle, List<String> checkpoints) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static RunRecord read(Configuration conf, String runDir) throws IOException {
        Path given = new Path(runDir);
        FileSystem fs = given.getFileSystem(conf);
        Path root = fs.makeQualified(given);
        if (!fs.exists(root)) {
            throw new JobFailure("run directory not found: " + root);
        }
        if (!fs.getFileStatus(root).isDirectory()) {
            throw new JobFailure("run directory " + root + " is a file, not a folder written by vcaps train");
        }
        Path evalFile = new Path(root, RunDirectory.EVAL);
        if (!fs.exists(evalFile)) {
            throw new JobFailure("no evaluation in run directory " + root + ": " + evalFile + " is missing (vcaps train"
                    + " writes it when a run finishes)");
        }
        Path model = new Path(root, RunDirectory.MODEL);
        if (!fs.exists(model)) {
            throw new JobFailure("no model in run directory " + root + ": " + model + " is missing (vcaps train writes"
                    + " it when a run finishes)");
        }
        JsonNode eval = parse(conf, evalFile);
        Bundle bundle = Bundle.load(conf, model.toString());
        return new RunRecord(root, eval, metrics(conf, new Path(root, RunDirectory.METRICS)), bundle,
                checkpoints(fs, new Path(root, RunDirectory.CHECKPOINTS)));
    }

    /** The lines of the metrics log of {@code type}, in order. */
    List<JsonNode> lines(String type) {
        return metrics.stream().filter(m -> type.equals(m.path("type").asText())).toList();
    }

    /** The path of the dataset the run trained on, from its id ({@code path@created}); null when not recorded. */
    String datasetPath() {
        String id = eval.path("dataset").asText(null);
        if (id == null) {
            List<JsonNode> starts = lines("start");
            id = starts.isEmpty() ? null : starts.get(starts.size() - 1).path("dataset").asText(null);
        }
        if (id == null) {
            return null;
        }
        int at = id.lastIndexOf('@');
        if (at > 0) {
            try {
                Instant.parse(id.substring(at + 1));
                return id.substring(0, at);
            } catch (DateTimeParseException e) {
                // Not an ETL timestamp: the '@' belongs to the path itself.
            }
        }
        return id;
    }

    private static JsonNode parse(Configuration conf, Path file) {
        try {
            return JSON.readTree(StoredFiles.read(conf, file));
        } catch (IOException e) {
            throw new JobFailure("cannot read " + file + " as JSON: " + e.getMessage(), e);
        }
    }

    private static List<JsonNode> metrics(Configuration conf, Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!StoredFiles.exists(conf, file)) {
            return out;
        }
        String[] lines = new String(StoredFiles.read(conf, file), StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                out.add(JSON.readTree(lines[i]));
            } catch (IOException e) {
                throw new JobFailure("line " + (i + 1) + " of " + file + " is not JSON: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static List<String> checkpoints(FileSystem fs, Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        if (fs.exists(dir)) {
            for (FileStatus s : fs.listStatus(dir, p -> !p.getName().startsWith("."))) {
                names.add(s.getPath().getName());
            }
        }
        names.sort(null);
        return names;
    }
}
