package io.vcaps.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vcaps.jobs.batch.ClassificationSchema;
import io.vcaps.jobs.batch.ConfusionChart;
import io.vcaps.spark.HadoopFiles;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code vcaps classify} wrote beside its rows: the evaluation ({@code _eval.json}) and the confusion matrix
 * picture ({@code _confusion.png}). An output without labels has neither; an older one without the picture gets it
 * drawn from the evaluation's counts by the same {@link ConfusionChart}. Of an output that evaluated several splits
 * apart, the test split's evaluation is read (or the first split's where there is no test split).
 */
record ClassifiedResults(String path, JsonNode eval, Figure confusion) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ClassifiedResults read(Configuration conf, String path) throws IOException {
        Path dir = new Path(path);
        if (!HadoopFiles.isDirectory(conf, dir)) {
            throw new JobFailure("classified output not found: " + path + " (a folder written by vcaps classify)");
        }
        Path evalFile = new Path(dir, ClassificationSchema.EVAL_FILE);
        if (!HadoopFiles.exists(conf, evalFile)) {
            return new ClassifiedResults(path, null, null);
        }
        JsonNode eval;
        try {
            eval = JSON.readTree(HadoopFiles.read(conf, evalFile));
        } catch (IOException e) {
            throw new JobFailure("cannot read " + evalFile + " as JSON: " + e.getMessage(), e);
        }
        Path picture = new Path(dir, ClassificationSchema.CONFUSION_FILE);
        if (eval.has("splits")) {
            // Several splits evaluated apart: the report shows the held-out one (test where there is one).
            String split = eval.path("splits").has("test") ? "test" : eval.path("splits").fieldNames().next();
            ObjectNode one = eval.deepCopy();
            one.remove("splits");
            one.setAll((ObjectNode) eval.path("splits").path(split));
            one.put("split", split);
            picture = new Path(dir, one.path("confusion_png").asText(ClassificationSchema.CONFUSION_FILE));
            eval = one;
        }
        String caption = String.format(Locale.ROOT, "confusion matrix of %s: each cell the share of its true entity's"
                + " images, in %%", path);
        if (HadoopFiles.exists(conf, picture)) {
            return new ClassifiedResults(path, eval,
                    new Figure("confusion.png", HadoopFiles.read(conf, picture), caption));
        }
        JsonNode matrix = eval.path("confusion");
        if (!matrix.isObject()) {
            return new ClassifiedResults(path, eval, null);
        }
        List<String> names = new ArrayList<>();
        matrix.path("names").forEach(n -> names.add(n.asText()));
        long[][] counts = new long[names.size()][names.size()];
        for (int t = 0; t < names.size(); t++) {
            for (int p = 0; p < names.size(); p++) {
                counts[t][p] = matrix.path("counts").path(t).path(p).asLong();
            }
        }
        String title = String.format(Locale.ROOT, "Confusion matrix: accuracy %.2f%% of %d images",
                100 * eval.path("accuracy").asDouble(), eval.path("rows").asLong());
        return new ClassifiedResults(path, eval, new Figure("confusion.png", ConfusionChart.png(counts, names, title),
                caption));
    }

    /** Whether the classified data had labels, so that there is an evaluation to show. */
    boolean evaluated() {
        return eval != null;
    }
}
