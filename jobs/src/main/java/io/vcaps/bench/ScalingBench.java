package io.vcaps.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.jobs.run.MetricsLine;
import io.vcaps.jobs.run.MetricsLog;
import io.vcaps.jobs.run.RunDirectory;
import io.vcaps.jobs.train.TrainingRun;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vcaps bench scaling}: statistical efficiency of parameter averaging as the workers grow. For each number of
 * workers W, averaging frequency H and outer optimizer setting, a real {@code vcaps train} run (in this JVM, on this
 * Spark session) until its held-out accuracy reaches the goal or the epoch cap: rounds and examples to the goal,
 * final accuracy and reconstruction error, bytes per round into the driver and through the shuffle, the state size
 * (what each executor fetches per round as the broadcast), and the driver's peak heap and the process's peak
 * resident memory. One JSON line per run, a table (scaling.md), a plot (scaling.png) and the lines (scaling.jsonl)
 * in the output folder; one JSON line last.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Rounds and examples to a held-out accuracy goal at each number of workers, averaging frequency"
                + " and outer optimizer setting.")
final class ScalingBench implements Callable<Integer> {

    @Option(names = "--data", required = true, description = "a vcaps etl dataset (e.g. MNIST)")
    String data;

    @Option(names = "--conf", required = true, description = "model configuration (e.g. conf/mnist-small.conf)")
    File conf;

    @Option(names = "--output", required = true, description = "folder for the runs and the results")
    File output;

    @Option(names = "--workers", split = ",", defaultValue = "1,2,4,8,16,32",
            description = "worker counts W (default: ${DEFAULT-VALUE})")
    List<Integer> workers;

    @Option(names = "--averaging-frequency", split = ",", defaultValue = "5,25,100",
            description = "local steps per round H (default: ${DEFAULT-VALUE})")
    List<Integer> frequencies;

    @Option(names = "--outer", split = ",", defaultValue = "off,on",
            description = "outer optimizer off and/or on (E and G; D averaged) (default: ${DEFAULT-VALUE})")
    List<String> outer;

    @Option(names = "--outer-learning-rate", defaultValue = "0.7",
            description = "outer learning rate when on (default: ${DEFAULT-VALUE})")
    double outerRate;

    @Option(names = "--outer-momentum", defaultValue = "0.9",
            description = "outer Nesterov momentum when on (default: ${DEFAULT-VALUE})")
    double outerMomentum;

    @Option(names = "--goal", defaultValue = "0.98", description = "held-out accuracy goal (default: ${DEFAULT-VALUE})")
    double goal;

    @Option(names = "--max-epochs", defaultValue = "2", description = "epoch cap per run (default: ${DEFAULT-VALUE})")
    double maxEpochs;

    @Option(names = "--eval-examples-every", defaultValue = "5000",
            description = "train examples between held-out evaluations, rounded to whole rounds"
                    + " (default: ${DEFAULT-VALUE})")
    long evalSpacing;

    @Option(names = "--eval-examples", defaultValue = "2000",
            description = "held-out images per evaluation (default: ${DEFAULT-VALUE})")
    long evalExamples;

    @Option(names = "--summary-only",
            description = "run nothing: write the table and the plot from the folder's scaling.jsonl")
    boolean summaryOnly;

    @Override
    public Integer call() throws Exception {
        for (String o : outer) {
            if (!o.equals("on") && !o.equals("off")) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--outer takes off and/or on, not " + o);
            }
        }
        Files.createDirectories(output.toPath());
        Path lines = output.toPath().resolve("scaling.jsonl");
        ObjectMapper json = new ObjectMapper();
        if (summaryOnly) {
            summarise(json, lines);
            return 0;
        }
        SparkSession spark = Sessions.getOrCreate("vcaps bench scaling");
        String base = Files.readString(conf.toPath());
        int batch = io.vcaps.core.config.VcnConfig.load(conf).batchSize();
        List<Map<String, Object>> results = new ArrayList<>();
        Files.deleteIfExists(output.toPath().resolve("scaling.md"));
        for (int h : frequencies) {
            for (int w : workers) {
                for (String o : outer) {
                    Map<String, Object> r = run(spark, base, batch, w, h, o.equals("on"));
                    results.add(r);
                    String line = json.writeValueAsString(r);
                    System.out.println(line);
                    Files.writeString(lines, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                }
            }
        }
        summarise(json, lines);
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("benchmark", "scaling");
        last.put("runs", results.size());
        last.put("goal", goal);
        last.put("output", output.getPath());
        System.out.println(json.writeValueAsString(last));
        return 0;
    }

    /** The table and the plot of every run in the folder, earlier invocations' too. */
    @SuppressWarnings("unchecked")
    private void summarise(ObjectMapper json, Path lines) throws IOException {
        List<Map<String, Object>> all = new ArrayList<>();
        for (String line : Files.readAllLines(lines)) {
            all.add(json.readValue(line, LinkedHashMap.class));
        }
        Files.writeString(output.toPath().resolve("scaling.md"), table(all));
        plot(all, output.toPath().resolve("scaling.png"));
    }

    private Map<String, Object> run(SparkSession spark, String base, int batch, int w, int h, boolean on)
            throws IOException {
        String name = String.format(Locale.ROOT, "w%d-h%d-%s", w, h, on ? "outer" : "avg");
        Path dir = output.toPath().resolve(name);
        long perRound = (long) w * h * batch;
        long evalEvery = Math.max(1, Math.round(evalSpacing / (double) perRound));
        String step = String.format(Locale.ROOT, "{ enabled = %s, learning-rate = %s, momentum = %s, nesterov = true }",
                on, outerRate, outerMomentum);
        String hocon = base + String.format(Locale.ROOT, """

                vcaps.training {
                  eval-every = %d
                  eval-examples = %d
                  checkpoint-every = 1000000
                  prior-images = 0
                  early-stopping { goal = %s }
                  outer {
                    encoder %s
                    generator %s
                  }
                }
                """, evalEvery, evalExamples, goal, step, step);
        Files.createDirectories(output.toPath().resolve("confs"));
        Path runConf = output.toPath().resolve("confs").resolve(name + ".conf");
        Files.writeString(runConf, hocon);
        resetPeaks();
        long start = System.nanoTime();
        TrainingRun.Outcome outcome;
        try (PrintStream console = new PrintStream(Files.newOutputStream(dir.resolveSibling(name + ".console.log")),
                true, StandardCharsets.UTF_8)) {
            outcome = new TrainingRun(spark, new TrainingRun.Request(data, dir.toString(), runConf.toFile(), w, h,
                    maxEpochs, null, null, false), console).run();
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("workers", w);
        r.put("averaging_frequency", h);
        r.put("outer", on ? String.format(Locale.ROOT, "nesterov lr %s momentum %s (E, G)", outerRate, outerMomentum)
                : "off");
        r.put("examples_per_round", perRound);
        long roundsToGoal = -1;
        long rounds = 0;
        long resultBytes = 0;
        long shuffleBytes = 0;
        long stateBytes = 0;
        List<List<Double>> curve = new ArrayList<>();
        for (MetricsLine line : MetricsLog.read(spark.sparkContext().hadoopConfiguration(),
                new org.apache.hadoop.fs.Path(dir.resolve(RunDirectory.METRICS).toUri()))) {
            if (line instanceof MetricsLine.Start first) {
                stateBytes = ((Number) first.settings().get("state_bytes")).longValue();
            } else if (line instanceof MetricsLine.Rounds round) {
                rounds++;
                resultBytes = Math.max(resultBytes, round.stats().health().resultBytes());
                shuffleBytes = Math.max(shuffleBytes, round.stats().health().shuffleBytes());
            } else if (line instanceof MetricsLine.Eval eval && !eval.last()) {
                // The measure the goal is judged by: accuracy, or mean balanced accuracy on multi-label data.
                double value = eval.measure(eval.selectedMeasure());
                curve.add(List.of(eval.round() * (double) perRound, value));
                if (roundsToGoal < 0 && value >= goal) {
                    roundsToGoal = eval.round();
                }
            }
        }
        r.put("rounds_to_goal", roundsToGoal < 0 ? null : roundsToGoal);
        r.put("examples_to_goal", roundsToGoal < 0 ? null : roundsToGoal * perRound);
        r.put("rounds", rounds);
        r.put("final_accuracy", outcome.evaluation().accuracy());
        r.put("final_reconstruction_error", outcome.evaluation().reconstructionError());
        r.put("state_bytes", stateBytes);
        r.put("driver_bytes_per_round", resultBytes);
        r.put("shuffle_bytes_per_round", shuffleBytes);
        r.put("driver_bytes_over_state", stateBytes == 0 ? null : resultBytes / (double) stateBytes);
        r.put("driver_heap_peak_bytes", heapPeak());
        r.put("peak_rss_bytes", peakRss());
        r.put("seconds", Math.round(seconds));
        r.put("curve", curve);
        return r;
    }

    private String table(List<Map<String, Object>> results) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "Goal: held-out accuracy %.3f on %d images;"
                + " cap %.1f epochs.%n%n| W | H | outer | rounds to goal | examples to goal | final accuracy |"
                + " reconstruction | state MB | into driver MB/round | shuffle MB/round | peak RSS GB |%n"
                + "|---|---|---|---|---|---|---|---|---|---|---|%n", goal, evalExamples, maxEpochs));
        for (Map<String, Object> r : results) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.4f | %.1f | %.1f | %.1f | %.1f |"
                            + " %.2f |%n", r.get("workers"), r.get("averaging_frequency"), r.get("outer"),
                    dash(r.get("rounds_to_goal")), dash(r.get("examples_to_goal")), r.get("final_accuracy"),
                    r.get("final_reconstruction_error"), mb(r.get("state_bytes")),
                    mb(r.get("driver_bytes_per_round")), mb(r.get("shuffle_bytes_per_round")),
                    mb(r.get("peak_rss_bytes")) / 1e3));
        }
        return out.toString();
    }

    private static String dash(Object v) {
        return v == null ? "not reached" : v.toString();
    }

    /** Millions of bytes; NaN for a figure a run did not record. */
    private static double mb(Object bytes) {
        return bytes == null ? Double.NaN : ((Number) bytes).doubleValue() / 1e6;
    }

    @SuppressWarnings("unchecked")
    private void plot(List<Map<String, Object>> results, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Held-out accuracy against examples")
                .xAxisTitle("training examples").yAxisTitle("held-out accuracy").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setYAxisMin(0.7);
        for (Map<String, Object> r : results) {
            List<List<Number>> curve = (List<List<Number>>) r.get("curve");
            if (curve.isEmpty()) {
                continue;
            }
            double[] x = curve.stream().mapToDouble(p -> p.get(0).doubleValue()).toArray();
            double[] y = curve.stream().mapToDouble(p -> p.get(1).doubleValue()).toArray();
            chart.addSeries("W=" + r.get("workers") + " H=" + r.get("averaging_frequency")
                    + (r.get("outer").equals("off") ? "" : " outer"), x, y);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        try {
            // Linux: "5" resets the process's peak resident set size (VmHWM).
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // Not Linux, or not allowed: the peak is the process's since it started.
        }
    }

    private static long heapPeak() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    private static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }
}
