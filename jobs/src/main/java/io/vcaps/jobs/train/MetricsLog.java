package io.vcaps.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;

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

    /** Appends one line of {@code type} for {@code round} with {@code fields}, and rewrites the file. */
    public void write(String type, long round, Map<String, ?> fields) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", type);
        line.put("round", round);
        fields.forEach((k, v) -> line.put(k, v instanceof Double d && !Double.isFinite(d) ? null : v));
        lines.add(RunDirectory.JSON.writeValueAsString(line));
        run.writeAtomically(RunDirectory.METRICS, out -> {
            for (String l : lines) {
                out.write(l.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        });
    }

    /** The lines so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }
}
