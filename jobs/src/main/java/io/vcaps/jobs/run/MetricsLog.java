package io.vcaps.jobs.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.vcaps.spark.HadoopFiles;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object a line, each with a {@code type} ({@code start}, {@code round},
 * {@code eval}, {@code non_finite}, {@code checkpoint}) and the {@code round} it belongs to. The file is rewritten
 * whole (atomically) at each write, so any filesystem works, appends or not; a resumed run keeps the lines up to
 * its checkpoint's round and drops those of rounds it will train again. Non-finite numbers are written as null.
 */
public final class MetricsLog {

    private final RunDirectory run;
    private final List<String> lines = new ArrayList<>();

    private MetricsLog(RunDirectory run) {
        this.run = run;
    }

    /** The log of {@code run}, keeping existing lines of rounds up to {@code keepThrough} (-1: none). */
    public static MetricsLog open(RunDirectory run, long keepThrough) throws IOException {
        MetricsLog log = new MetricsLog(run);
        if (keepThrough >= 0 && run.fileSystem().exists(run.file(RunDirectory.METRICS))) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(
                    run.fileSystem().open(run.file(RunDirectory.METRICS)), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode node = RunDirectory.JSON.readTree(line);
                    if (node.path("round").asLong(Long.MAX_VALUE) <= keepThrough) {
                        log.lines.add(line);
                    }
                }
            }
        }
        return log;
    }

    /** Appends {@code line} and rewrites the file. */
    public void write(MetricsLine line) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", line.type());
        json.put("round", line.round());
        line.fields().forEach((k, v) -> json.put(k, v instanceof Double d && !Double.isFinite(d) ? null : v));
        lines.add(RunDirectory.JSON.writeValueAsString(json));
        run.writeAtomically(RunDirectory.METRICS, out -> {
            for (String l : lines) {
                out.write(l.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        });
    }

    /**
     * The lines of the metrics log {@code file} (any Hadoop URI) that this version knows, in order; none when there
     * is no such file. A line that is not JSON fails, naming its number.
     */
    public static List<MetricsLine> read(Configuration conf, Path file) throws IOException {
        List<MetricsLine> out = new ArrayList<>();
        if (!HadoopFiles.exists(conf, file)) {
            return out;
        }
        String[] lines = new String(HadoopFiles.read(conf, file), StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = RunDirectory.JSON.readTree(lines[i]);
            } catch (IOException e) {
                throw new JobFailure("line " + (i + 1) + " of " + file + " is not JSON: " + e.getMessage(), e);
            }
            MetricsLine line = MetricsLine.parse(node);
            if (line != null) {
                out.add(line);
            }
        }
        return out;
    }

    /** The lines so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }
}
