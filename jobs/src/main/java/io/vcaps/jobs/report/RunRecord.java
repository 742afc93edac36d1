package io.vcaps.jobs.report;

import io.vcaps.jobs.run.FinalEvaluation;
import io.vcaps.jobs.run.MetricsLine;
import io.vcaps.jobs.run.MetricsLog;
import io.vcaps.jobs.run.RunDirectory;
import io.vcaps.ml.Bundle;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A finished training run (RUN_DIR of {@code vcaps train}) as the report reads it: the final evaluation
 * ({@code eval.json}), the model ({@code model.zip}), the metrics log ({@code metrics.jsonl}, optional) and the
 * names of its checkpoints. Reading fails, naming the path, when the folder, its evaluation or its model is missing.
 */
record RunRecord(Path root, FinalEvaluation eval, List<MetricsLine> metrics, Bundle bundle, List<String> checkpoints) {

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
        FinalEvaluation eval = parse(conf, root, evalFile);
        Bundle bundle = Bundle.load(conf, model.toString());
        return new RunRecord(root, eval, MetricsLog.read(conf, new Path(root, RunDirectory.METRICS)), bundle,
                checkpoints(fs, new Path(root, RunDirectory.CHECKPOINTS)));
    }

    /** The lines of the metrics log of {@code type}, in order. */
    <T extends MetricsLine> List<T> lines(Class<T> type) {
        return metrics.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The path of the dataset the run trained on, from its id ({@code path@created}); null when not recorded. */
    String datasetPath() {
        String id = eval.dataset();
        if (id == null) {
            List<MetricsLine.Start> starts = lines(MetricsLine.Start.class);
            id = starts.isEmpty() ? null : starts.get(starts.size() - 1).dataset();
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

    private static FinalEvaluation parse(Configuration conf, Path root, Path file) {
        try {
            return RunDirectory.readEvaluation(conf, root);
        } catch (IOException e) {
            throw new JobFailure("cannot read " + file + " as JSON: " + e.getMessage(), e);
        }
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
