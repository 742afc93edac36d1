package io.vcaps.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.quality.MultiLabelQuality;
import io.vcaps.core.quality.SynthesisQuality;
import io.vcaps.core.vcn.EntityPriors;
import io.vcaps.core.vcn.MultiLabelMeasures;
import io.vcaps.core.vcn.Provenance;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.batch.BatchClassification;
import io.vcaps.jobs.batch.MassSynthesis;
import io.vcaps.jobs.batch.SynthesisSchema;
import io.vcaps.jobs.run.FinalEvaluation;
import io.vcaps.jobs.run.MetricsLine;
import io.vcaps.jobs.run.RunDirectory;
import io.vcaps.spark.CommittedOutput;
import io.vcaps.spark.HadoopFiles;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.OutputMode;
import io.vcaps.spark.SeparatePaths;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.jsoup.nodes.Element;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Writes the report of a training run: one HTML page ({@value #PAGE}) with its PNG pictures beside it, in one folder
 * that appears complete or not at all and replaces the previous report. Sections: held-out accuracy (element
 * {@code #accuracy}), training curves, the confusion matrix of a {@code vcaps classify} output, held-out images
 * beside their reconstructions, samples per entity, for multi-label data a grid of attribute combinations, latent
 * traversals (one per entity or attribute), the synthesis measures and the run's provenance. A section whose input
 * was not given or cannot be found says so in a note instead.
 */
final class RunReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MULTI_LABEL = "Multi-label data: per attribute, accuracy, balanced accuracy (the mean"
            + " of the rates on present and on absent images, 0.5 for a constant answer), precision, recall and F1"
            + " of the thresholded prediction (KL under the threshold) and the AUROC of -KL; their means over"
            + " attributes; exact_set_accuracy, the share of images whose predicted set is their set; top_k, where"
            + " every image has k entities, the share whose k smallest KLs are their entities. mean_balanced_accuracy"
            + " selects best.zip.";

    /** The page's file name in the output folder. */
    public static final String PAGE = "index.html";
    /** The output folder inside RUN_DIR when none is given. */
    public static final String DEFAULT_FOLDER = "report";

    /** What was written: the page, how many pictures it shows, and the notes about sections left out. */
    public record Result(Path page, int images, List<String> notes) {
    }

    private final SparkSession spark;
    private final Configuration conf;
    private final ReportRequest request;
    private final RunRecord run;
    private final VcnModel model;
    private final ReportPage page;
    private final List<Figure> figures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private Map<Integer, INDArray> centres = Map.of();
    /** Samples per entity the report's synthesis measures draw. */
    static final int QUALITY_SAMPLES = 200;
    /** Pairs of attributes in the combination grid of multi-label data, at most. */
    static final int PAIRS = 4;

    private RunReport(SparkSession spark, ReportRequest request, RunRecord run) {
        this.spark = spark;
        this.conf = spark.sparkContext().hadoopConfiguration();
        this.request = request;
        this.run = run;
        this.model = run.bundle().model();
        this.page = new ReportPage("vcaps report: " + run.root(), "Written by vcaps report at " + Instant.now()
                + " from " + run.root() + ".");
    }

    public static Result write(SparkSession spark, ReportRequest request) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        RunRecord run = RunRecord.read(conf, request.run());
        String output = request.output() != null ? request.output() : new Path(run.root(), DEFAULT_FOLDER).toString();
        try (CommittedOutput out = CommittedOutput.begin(conf, output, OutputMode.OVERWRITE, inputs(request, run))) {
            checkOutput(out);
            ClassifiedResults classified = request.classified() == null ? null
                    : ClassifiedResults.read(conf, request.classified());
            RunReport report = new RunReport(spark, request, run);
            report.summary();
            report.training();
            report.classification(classified);
            report.reconstructions();
            report.samples();
            report.combinations();
            report.traversals();
            report.quality();
            report.provenance();
            return report.save(out);
        }
    }

    /**
     * What the report reads: the run's own files (a report folder inside RUN_DIR is where it goes by default), and
     * the outputs and dataset it is given or the run names.
     */
    private static List<SeparatePaths.Input> inputs(ReportRequest request, RunRecord run) {
        List<SeparatePaths.Input> inputs = new ArrayList<>();
        for (String file : List.of(RunDirectory.MODEL, RunDirectory.BEST, RunDirectory.EVAL, RunDirectory.METRICS,
                RunDirectory.CHECKPOINTS)) {
            inputs.add(SeparatePaths.input("--run", new Path(run.root(), file).toString()));
        }
        inputs.add(SeparatePaths.input("--classified", request.classified()));
        inputs.add(SeparatePaths.input("--generated", request.generated()));
        inputs.add(request.data() != null ? SeparatePaths.input("--data", request.data())
                : SeparatePaths.input("the run's dataset", run.datasetPath()));
        return inputs;
    }

    /** Refuses a folder that is not an earlier report: the report folder is replaced whole. */
    private static void checkOutput(CommittedOutput out) throws IOException {
        FileSystem fs = out.fileSystem();
        Path target = out.target();
        if (fs.exists(target) && (!fs.getFileStatus(target).isDirectory()
                || fs.listStatus(target).length > 0 && !fs.exists(new Path(target, PAGE)))) {
            throw new JobFailure("--output " + target + " exists and is not a report written by vcaps report (it has"
                    + " no " + PAGE + "); the report folder is replaced whole, so choose another folder");
        }
    }

    private void summary() {
        FinalEvaluation eval = run.eval();
        boolean multi = eval.multiLabel() != null;
        JsonNode measures = multi ? JSON.valueToTree(eval.multiLabel()) : null;
        Element section = page.section("summary", multi ? "Held-out multi-label measures" : "Held-out accuracy");
        String name = multi ? MultiLabelMeasures.SELECTED : "accuracy";
        double value = multi ? measures.path(name).asDouble(Double.NaN)
                : Objects.requireNonNullElse(eval.accuracy(), Double.NaN);
        Element line = section.appendElement("p").addClass("headline");
        line.appendText((multi ? "Mean balanced accuracy" : "Accuracy") + " of the "
                + Objects.requireNonNullElse(eval.model(), "last") + " model on the held-out split: ");
        line.appendElement("strong").id(name).attr("data-value", Double.toString(value))
                .text(Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f%%", 100 * value) : "n/a");
        line.appendText(String.format(Locale.ROOT, " of %d images of split '%s', after round %d (epoch %s).",
                eval.examples(), Objects.requireNonNullElse(eval.split(), "test"), eval.round(), eval.epoch()));
        page.paragraph(section, multi ? MULTI_LABEL : "The share of images whose capsule with the least KL is their"
                + " entity's.");
        if (multi) {
            multiLabelTables(section, measures);
        }
        page.paragraph(section, "From " + new Path(run.root(), RunDirectory.EVAL) + ":");
        Map<String, String> fields = fields(JSON.valueToTree(eval));
        fields.remove("multi_label");
        page.definitions(section, fields);
    }

    /** The means of a {@code multi_label} object (eval.json, _eval.json) and its per-attribute table. */
    private void multiLabelTables(Element section, JsonNode measures) {
        List<List<String>> means = new ArrayList<>();
        for (String name : MultiLabelMeasures.NAMES) {
            if (measures.has(name)) {
                means.add(List.of(name.equals(MultiLabelMeasures.TOP_K) ? "top_k (k = "
                        + measures.path(MultiLabelMeasures.K).asText() + ")" : name, number(measures.path(name))));
            }
        }
        page.table(section, List.of("measure", "value"), means);
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode e : measures.path(MultiLabelMeasures.PER_ATTRIBUTE)) {
            rows.add(List.of(e.path("name").asText(), e.path("support").asText(), e.path("predicted").asText(),
                    number(e.path("accuracy")), number(e.path("balanced_accuracy")), number(e.path("precision")),
                    number(e.path("recall")), number(e.path("f1")), number(e.path("auroc"))));
        }
        page.table(section, List.of("attribute", "support", "predicted", "accuracy", "balanced accuracy",
                "precision", "recall", "F1", "AUROC of -KL"), rows);
    }

    private void training() {
        Element section = page.section("training", "Training");
        if (run.metrics().isEmpty()) {
            note(section, "No " + RunDirectory.METRICS + " in " + run.root() + ": no training curves.");
            return;
        }
        List<MetricsLine.Rounds> rounds = run.lines(MetricsLine.Rounds.class);
        List<MetricsLine.Eval> evals = run.lines(MetricsLine.Eval.class);
        page.paragraph(section, String.format(Locale.ROOT, "%d rounds logged; mean throughput %.1f images/s. Each"
                + " point is the example-weighted mean over a round's local steps on all workers.", rounds.size(),
                rounds.stream().mapToDouble(r -> finiteOrZero(r.stats().imagesPerSecond())).average().orElse(0)));
        Element grid = page.grid(section);
        List<String> off = new ArrayList<>();
        for (String term : TrainingCharts.lossTerms(rounds)) {
            if (TrainingCharts.alwaysZero(rounds, term)) {
                off.add(term);
            } else {
                add(grid, TrainingCharts.loss(rounds, term));
            }
        }
        add(grid, TrainingCharts.kl(rounds));
        add(grid, TrainingCharts.accuracy(evals));
        add(grid, TrainingCharts.reconstructionError(evals));
        if (!off.isEmpty()) {
            note(section, "Always 0 in this run, so not drawn (switched off by the configuration): "
                    + String.join(", ", off) + ".");
        }
        List<MetricsLine.NonFinite> nonFinite = run.lines(MetricsLine.NonFinite.class);
        if (!nonFinite.isEmpty()) {
            note(section, nonFinite.size() + " round(s) had a NaN or infinite loss or parameter and were not averaged"
                    + " in: " + nonFinite.stream().map(n -> Long.toString(n.round())).collect(Collectors.joining(", "))
                    + ".");
        }
    }

    private void classification(ClassifiedResults classified) {
        Element section = page.section("classification", "Classification");
        if (classified == null) {
            note(section, "No --classified output given, so no confusion matrix: run vcaps classify --model "
                    + new Path(run.root(), RunDirectory.MODEL) + " --data DATASET --split test --output PATH and pass"
                    + " --classified PATH.");
            return;
        }
        if (!classified.evaluated()) {
            note(section, classified.path() + " has no _eval.json: the classified data had no labels, so there is"
                    + " nothing to score.");
            return;
        }
        JsonNode eval = classified.eval();
        if (eval.has("multi_label")) {
            page.paragraph(section, String.format(Locale.ROOT, "%s: %d images (%s, split %s); no capsule under the"
                            + " threshold for %.2f%%. ", classified.path(), eval.path("rows").asLong(),
                    eval.path("task").asText(), eval.path("split").asText("all"),
                    100 * eval.path("unknown_rate").asDouble()) + MULTI_LABEL);
            multiLabelTables(section, eval.path("multi_label"));
            return;
        }
        page.paragraph(section, String.format(Locale.ROOT, "%s: %d images (%s, split %s); accuracy %.2f%%, macro F1"
                        + " %.4f, no capsule under the threshold for %.2f%%.", classified.path(),
                eval.path("rows").asLong(), eval.path("task").asText(), eval.path("split").asText("all"),
                100 * eval.path("accuracy").asDouble(), eval.path("macro_f1").asDouble(),
                100 * eval.path("unknown_rate").asDouble()));
        if (classified.confusion() != null) {
            add(section, classified.confusion());
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode e : eval.path("per_entity")) {
            rows.add(List.of(e.path("name").asText(), e.path("support").asText(), e.path("predicted").asText(),
                    number(e.path("precision")), number(e.path("recall")), number(e.path("f1"))));
        }
        page.table(section, List.of("entity", "support", "predicted", "precision", "recall", "F1"), rows);
    }

    private void reconstructions() {
        Element section = page.section("reconstructions", "Held-out images and their reconstructions");
        String dataset = request.data() != null ? request.data() : run.datasetPath();
        if (dataset == null) {
            note(section, "The run does not record its dataset: pass --data PATH to show reconstructions.");
            return;
        }
        HeldOutReconstructions.Result result;
        try {
            result = HeldOutReconstructions.of(spark, dataset, model, request.examples());
            centres = result.centres();
        } catch (JobFailure e) {
            if (request.data() != null) {
                throw e;
            }
            note(section, "The run's dataset cannot be read, so no reconstructions (" + e.getMessage()
                    + "); pass --data PATH to point at it.");
            return;
        }
        page.paragraph(section, "Reconstructed from the capsule means, masked by the predicted entity, as the"
                + " held-out evaluation measures it.");
        add(section, result.figure());
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < result.shown().size(); i++) {
            HeldOutReconstructions.Shown s = result.shown().get(i);
            rows.add(List.of(Integer.toString(i + 1), s.id(), s.truth(), s.predicted(),
                    String.format(Locale.ROOT, "%.2f", s.error())));
        }
        page.table(section, List.of("column", "id", "true", "predicted", "squared error"), rows);
    }

    private void samples() {
        Element section = page.section("samples", "Samples per entity");
        EntitySamples.Result samples;
        if (request.generated() != null) {
            samples = EntitySamples.generated(spark, request.generated(), request.perEntity());
        } else {
            samples = EntitySamples.synthesised(model, request.perEntity(), request.seed(), request.temperature());
            note(section, "No --generated output given: these samples were drawn by the report itself.");
        }
        page.paragraph(section, "Each entity's capsule sampled from the prior, the other capsules 0, decoded by the"
                + " generator; " + samples.source() + ".");
        Map<String, Figure> strips = new LinkedHashMap<>();
        for (EntitySamples.Strip strip : samples.strips()) {
            strips.put(strip.entity(), strip.figure());
            figures.add(strip.figure());
        }
        page.labelledFigures(section, strips);
    }

    /** Whether the run's data is multi-label: its final evaluation holds the multi-label measures. */
    private boolean multiLabel() {
        return run.eval().multiLabel() != null;
    }

    /**
     * The sets the combination grid and the multi-label synthesis measures draw: each entity alone, then up to
     * {@link #PAIRS} pairs, those the bundle fitted their own priors for with the most images first, or, where it has
     * none, pairs of consecutive entities.
     */
    private int[][] combinationSets() {
        List<int[]> sets = new ArrayList<>();
        for (int k = 0; k < model.entities(); k++) {
            sets.add(new int[] {k});
        }
        List<EntityPriors.SetPrior> fitted = model.priors().map(EntityPriors::sets).orElse(List.of()).stream()
                .sorted(java.util.Comparator.comparingLong(EntityPriors.SetPrior::count).reversed()).toList();
        for (int i = 0; i < PAIRS; i++) {
            if (!fitted.isEmpty() && i < fitted.size()) {
                sets.add(fitted.get(i).entities());
            } else if (fitted.isEmpty() && 2 * i + 1 < model.entities()) {
                sets.add(new int[] {2 * i, 2 * i + 1});
            }
        }
        return sets.toArray(int[][]::new);
    }

    /** Multi-label data: a strip of samples per set of {@link #combinationSets}, exactly the set present. */
    private void combinations() {
        if (!multiLabel()) {
            return;
        }
        Element section = page.section("combinations", "Attribute combinations");
        int[][] sets = combinationSets();
        page.paragraph(section, String.format(Locale.ROOT, "One row per set of attributes, exactly these present and"
                + " every other capsule 0: each attribute alone, then pairs (%s); %d samples a row at temperature %s,"
                + " seed %d, drawn as vcaps generate --entities draws them. A pair marked 'own priors' is drawn from"
                + " the priors fitted to the training images that show both; the others from each attribute's own.",
                model.priors().map(p -> p.sets().isEmpty()).orElse(true)
                        ? "the bundle fitted no pair its own priors: consecutive attributes"
                        : "those the bundle fitted their own priors for, the most images first",
                request.perEntity(), request.temperature(), request.seed()));
        Map<String, Figure> strips = new LinkedHashMap<>();
        for (EntitySamples.Strip strip : EntitySamples.sets(model, sets, request.perEntity(), request.seed(),
                request.temperature(), "combination-")) {
            strips.put(strip.entity() + pairPrior(strip.entity()), strip.figure());
            figures.add(strip.figure());
        }
        page.labelledFigures(section, strips);
    }

    /** How a set named {@code name} ({@code a|b}) is drawn, for its row's label; empty for one entity. */
    private String pairPrior(String name) {
        if (!name.contains("|")) {
            return "";
        }
        int[] set = java.util.Arrays.stream(name.split("\\|")).mapToInt(model.entityNames()::indexOf).sorted()
                .toArray();
        return model.priors().flatMap(p -> p.set(set)).map(p -> " (own priors, " + p.count() + " images)")
                .orElse(" (each attribute's prior)");
    }

    private void traversals() {
        Element section = page.section("traversals", "Latent traversals");
        page.paragraph(section, String.format(Locale.ROOT, "One grid per entity, that entity alone present: row d"
                + " sets dimension d of its capsule from -3 to 3 in %d steps, every other dimension kept at the"
                + " grid's centre: the capsule mean of the first held-out image of the entity (by id), or a prior"
                + " sample (seed %d) where no held-out image shows it.", MassSynthesis.TRAVERSAL_STEPS,
                request.seed()));
        Element grid = page.grid(section);
        for (int k = 0; k < model.entities(); k++) {
            String name = model.entityNames().get(k);
            INDArray centre = centres.get(k);
            String from = centre != null ? "around a held-out image" : "around a prior sample";
            if (centre == null) {
                centre = model.priorCapsule(k, request.seed() * 31 + k);
            }
            add(grid, new Figure("traversal-" + SynthesisSchema.entityStem(k, name) + ".png",
                    MassSynthesis.traversal(model, k, centre), String.format(Locale.ROOT, "entity %s: %d dimensions,"
                    + " %s", name, model.latentDim(), from)));
        }
    }

    /**
     * The synthesis measures ({@link QualityMeasures}) beside the pictures, on the dataset the reconstructions came
     * from, per entity or, for multi-label data, per set of {@link #combinationSets}; skipped with a note for
     * unlabelled data, or when {@code --quality-images 0}.
     */
    private void quality() {
        Element section = page.section("quality", "Synthesis measures");
        String dataset = request.data() != null ? request.data() : run.datasetPath();
        if (request.qualityImages() == 0 || dataset == null) {
            note(section, dataset == null ? "The run does not record its dataset: pass --data PATH to measure"
                    + " synthesis." : "Not measured (--quality-images 0).");
            return;
        }
        SynthesisQuality q;
        QualityMeasures.Settings settings = new QualityMeasures.Settings(request.qualityImages(),
                request.qualityImages(), 2, QUALITY_SAMPLES, request.temperature(), request.seed());
        try {
            if (multiLabel()) {
                multiLabelQuality(section, dataset, QualityMeasures.measureMultiLabel(spark, dataset, model, settings,
                        combinationSets()));
                return;
            }
            q = QualityMeasures.measure(spark, dataset, model, settings);
        } catch (JobFailure e) {
            note(section, "Synthesis not measured: " + e.getMessage());
            return;
        }
        page.paragraph(section, String.format(Locale.ROOT, "Judged by an independent CNN trained by this report on"
                + " %d train images of %s (its held-out accuracy: %.4f), not by the model's own encoder; %d samples"
                + " per entity at temperature %s from %s, compared with up to %d held-out images. A Fréchet"
                + " distance is between that CNN's penultimate features of two sets of images: lower is closer.",
                request.qualityImages(), dataset, q.classifierAccuracy(), q.samplesPerEntity(), q.temperature(),
                model.priors().isPresent() ? "the model's fitted entity priors" : "the standard prior N(0, I)",
                request.qualityImages()));
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("samples recognised as their entity", String.format(Locale.ROOT, "%.4f", q.recognised())));
        rows.add(List.of("Fréchet distance of the samples", number(q.frechetSamples())));
        rows.add(List.of("... of each entity's average training image (baseline)", number(q.frechetAverageImages())));
        rows.add(List.of("... of real training images (baseline)", number(q.frechetRealImages())));
        rows.add(List.of("samples over average images", number(q.frechetSamples() / q.frechetAverageImages())));
        rows.add(List.of("per-pixel spread of one entity's samples", number(q.samplePixelStd())));
        rows.add(List.of("held-out reconstruction error (squared, per image)", number(q.reconstructionError())));
        rows.add(List.of("held-out accuracy", String.format(Locale.ROOT, "%.4f", q.accuracy())));
        page.table(section, List.of("measure", "value"), rows);
    }

    private void multiLabelQuality(Element section, String dataset, MultiLabelQuality q) {
        page.paragraph(section, String.format(Locale.ROOT, "Judged by an independent multi-label CNN (a sigmoid per"
                + " attribute, binary cross-entropy) trained by this report on up to %d train images of %s (its"
                + " held-out mean balanced accuracy: %.4f), not by the model's own encoder; %d samples per set at"
                + " temperature %s from %s, compared with up to %d held-out images. Per set: the share of samples in"
                + " which the CNN finds every requested attribute, and in which it finds no other, each beside the"
                + " same share over the held-out images that show the set; the mean share of samples showing an"
                + " attribute outside the set, beside those attributes' base rate in held-out images.",
                request.qualityImages(), dataset, q.classifier().get(MultiLabelMeasures.MEAN_BALANCED_ACCURACY),
                q.samplesPerSet(), q.temperature(), model.priors().isPresent() ? "the model's fitted priors"
                        : "the standard prior N(0, I)", request.qualityImages()));
        List<List<String>> rows = new ArrayList<>();
        for (MultiLabelQuality.SetResult r : q.sets()) {
            rows.add(List.of(String.join(" + ", r.entities()), number(r.requested()), number(r.requestedReal()),
                    Long.toString(r.realImages()), number(r.unrequestedAbsent()), number(r.unrequestedAbsentReal()),
                    number(r.unrequestedRate()), number(r.unrequestedRateReal())));
        }
        page.table(section, List.of("set", "all requested found", "... in real images of the set",
                "real images of the set", "no other found", "... in real images of the set", "other attributes' rate",
                "their base rate"), rows);
        List<List<String>> distances = new ArrayList<>();
        distances.add(List.of("Fréchet distance of the samples", number(q.frechetSamples())));
        distances.add(List.of("... of each set's average training image (baseline)",
                number(q.frechetAverageImages())));
        distances.add(List.of("... of real training images (baseline)", number(q.frechetRealImages())));
        distances.add(List.of("samples over average images", number(q.frechetSamples() / q.frechetAverageImages())));
        distances.add(List.of("per-pixel spread of one set's samples", number(q.samplePixelStd())));
        distances.add(List.of("held-out reconstruction error (squared, per image)", number(q.reconstructionError())));
        page.table(section, List.of("measure", "value"), distances);
    }

    private void provenance() {
        Element section = page.section("provenance", "Provenance");
        Map<String, String> bundle = new LinkedHashMap<>();
        bundle.put("model", new Path(run.root(), RunDirectory.MODEL) + " (the last model of the run)");
        bundle.put("bundle id", run.bundle().id());
        bundle.put("image shape (HxWxC)", model.shape().toString());
        bundle.put("entities", String.join(", ", model.entityNames()));
        bundle.put("latent dimensions per capsule", Integer.toString(model.latentDim()));
        bundle.put("presence threshold (nats)", BatchClassification.thresholds(model).toString());
        Provenance provenance = model.provenance();
        if (provenance != null) {
            bundle.put("dataset", provenance.dataset());
            bundle.put("images per split", join(provenance.counts()));
            bundle.put("seed", Long.toString(provenance.seed()));
            bundle.put("training rounds", Integer.toString(provenance.rounds()));
            if (provenance.selection() != null) {
                Provenance.Selection best = provenance.selection();
                bundle.put("best model", String.format(Locale.ROOT, "%s: after round %d, held-out %s %.4f on"
                        + " %d images", RunDirectory.BEST, best.bestRound(), best.bestMeasure(), best.bestValue(),
                        best.bestExamples()));
            }
            bundle.put("versions", join(provenance.versions()));
            bundle.put("created", provenance.created());
        }
        page.definitions(section, bundle);
        if (provenance == null) {
            note(section, "The bundle records no provenance.");
        }
        List<MetricsLine.Start> starts = run.lines(MetricsLine.Start.class);
        if (!starts.isEmpty()) {
            section.appendElement("h3").text("Training settings");
            page.paragraph(section, "From the last 'start' line of " + RunDirectory.METRICS
                    + (starts.size() > 1 ? " (the run was resumed " + (starts.size() - 1) + " time(s))" : "") + ":");
            page.definitions(section, fields(JSON.valueToTree(starts.get(starts.size() - 1).fields())));
        }
        section.appendElement("h3").text("Checkpoints");
        page.paragraph(section, run.checkpoints().isEmpty() ? "none"
                : RunDirectory.CHECKPOINTS + "/: " + String.join(", ", run.checkpoints()));
        section.appendElement("h3").text("Configuration");
        page.preformatted(section, model.config().toHocon());
    }

    private Result save(CommittedOutput out) throws IOException {
        for (Figure figure : figures) {
            HadoopFiles.write(conf, new Path(out.staging(), figure.file()), figure.png());
        }
        HadoopFiles.write(conf, new Path(out.staging(), PAGE), page.html().getBytes(StandardCharsets.UTF_8));
        out.commit();
        return new Result(new Path(out.target(), PAGE), page.images(), List.copyOf(notes));
    }

    /** Puts {@code figure} on the page and keeps it to be written; null (nothing to draw) adds nothing. */
    private void add(Element parent, Figure figure) {
        if (figure != null) {
            figures.add(figure);
            page.figure(parent, figure);
        }
    }

    private void note(Element section, String text) {
        notes.add(text);
        page.note(section, text);
    }

    /** The fields of a JSON object as text, leaving out the metrics log's own {@code type} and {@code round}. */
    private static Map<String, String> fields(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (object.has("type") && (field.getKey().equals("type") || field.getKey().equals("round"))) {
                continue;
            }
            JsonNode value = field.getValue();
            out.put(field.getKey(), value.isValueNode() ? value.asText() : value.toString());
        }
        return out;
    }

    /** A number as the metrics log holds it: a non-finite one is written as null, which reads as 0. */
    private static double finiteOrZero(double value) {
        return Double.isFinite(value) ? value : 0;
    }

    private static String number(JsonNode value) {
        return value.isNumber() ? number(value.asDouble()) : value.asText();
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    private static String join(Map<String, ?> values) {
        return values == null ? "" : new TreeMap<>(values).entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
