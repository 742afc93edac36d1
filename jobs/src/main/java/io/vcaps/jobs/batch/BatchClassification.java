package io.vcaps.jobs.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vcaps.core.vcn.EntityNames;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.dataset.LabelledImages;
import io.vcaps.ml.Bundle;
import io.vcaps.ml.VcapsModel;
import io.vcaps.spark.CommittedOutput;
import io.vcaps.spark.HadoopFiles;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.SeparatePaths;
import io.vcaps.spark.WorkerThreads;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bulk classification: a bundle and an image dataset in, a {@link ClassificationSchema} Parquet table out, plus
 * {@code _eval.json} and {@code _confusion.png} when the data has labels. The bundle is checked on the driver; the
 * scoring is {@link VcapsModel}'s, on vcaps pixels, failing on a bad row rather than keeping it. The output
 * appears complete or not at all ({@link CommittedOutput}).
 */
public final class BatchClassification {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BatchClassification() {
    }

    /**
     * What a run wrote: rows scored and, for data with labels the model knows, the evaluation of each split (else
     * empty).
     *
     * @param evaluations     split -> its evaluation, in split order; the one key {@link #ALL} where the dataset has
     *                        no split column
     * @param nonFinite       rows without a prediction because their KL was NaN or infinite (reason non_finite)
     * @param foreignEntities the dataset's entities the model does not know: their rows were scored, not evaluated
     * @param shape           the model's image shape
     * @param convertedFrom   the other image shapes (HxWxC) of the data, converted to {@code shape}
     */
    public record Result(long rows, String bundleId, Map<String, Evaluation> evaluations, long nonFinite,
            List<String> foreignEntities, ImageShape shape, List<String> convertedFrom) {

        /** Labelled rows evaluated, all splits together. */
        public long evaluated() {
            return evaluations.values().stream().mapToLong(Evaluation::rows).sum();
        }
    }

    /** The split name of rows of a dataset without a split column. */
    public static final String ALL = "all";

    public static Result run(SparkSession spark, ClassifyRequest request) throws IOException {
        try (CommittedOutput output = CommittedOutput.begin(spark.sparkContext().hadoopConfiguration(),
                request.output(), request.mode(), List.of(SeparatePaths.input("--data", request.data()),
                        SeparatePaths.input("--model", request.model())))) {
            Bundle bundle = Bundle.load(spark.sparkContext().hadoopConfiguration(), request.model());
            VcnModel model = bundle.model();
            LabelledImages input = LabelledImages.read(spark, request.data(), request.split(), model.shape(),
                    model.entityNames(), true, request.convertImages(), request.entityNames());
            List<String> foreign = input.foreignEntities();
            int partitions = input.rows().rdd().getNumPartitions();
            ImageShape shape = model.shape();
            // Kept, so that an image whose KL is not finite stays as a null prediction; ClassifiedRows fails the job
            // on any other row the model cannot score.
            VcapsModel scorer = VcapsModel.fromBundle(bundle).setInputCol(DatasetSchema.PIXELS)
                    .setInputFormat("pixels")
                    .setIdCol(DatasetSchema.ID).setBatchSize(request.batchSize()).setHandleInvalid(VcapsModel.KEEP)
                    .setThreadsPerTask(WorkerThreads.plan(spark.sparkContext(), partitions));
            // Converting, the rows bring their own shapes and the scorer converts each image as the ETL does.
            Dataset<Row> images = request.convertImages() ? input.rows() : input.rows()
                    .withColumn(DatasetSchema.HEIGHT, functions.lit(shape.height()))
                    .withColumn(DatasetSchema.WIDTH, functions.lit(shape.width()))
                    .withColumn(DatasetSchema.CHANNELS, functions.lit(shape.channels()));
            Dataset<Row> scored = scorer.transform(images)
                    .select(Arrays.stream(ClassifiedRows.COLUMNS).map(functions::col).toArray(Column[]::new))
                    .map(new ClassifiedRows(model.entities(), bundle.id()), Encoders.row(ClassificationSchema.SCHEMA));
            String staging = output.staging().toString();
            scored.write().mode(SaveMode.ErrorIfExists)
                    .option("parquet.enable.dictionary#" + ClassificationSchema.ID, "false")
                    .option("parquet.enable.dictionary#" + ClassificationSchema.KL + ".list.element", "false")
                    .parquet(staging);
            int k = model.entities();
            TreeMap<String, Evaluation> bySplit = HadoopFiles.parquet(spark, output.staging())
                    .select(ClassificationSchema.PREDICTED, ClassificationSchema.PRESENT, ClassificationSchema.KL,
                            ClassificationSchema.UNKNOWN, ClassificationSchema.LABEL, ClassificationSchema.LABELS,
                            ClassificationSchema.SPLIT)
                    .toJavaRDD().treeAggregate(new TreeMap<>(), (m, row) -> {
                        m.computeIfAbsent(row.isNullAt(6) ? ALL : row.getString(6), x -> new Evaluation(k)).add(row);
                        return m;
                    }, (a, b) -> {
                        b.forEach((split, e) -> a.merge(split, e, Evaluation::merge));
                        return a;
                    });
            long nonFinite = bySplit.values().stream().mapToLong(Evaluation::nonFinite).sum();
            long rows = HadoopFiles.parquet(spark, output.staging()).count();
            Map<String, Evaluation> evaluations = new LinkedHashMap<>();
            if (input.labelled()) {
                writeEvaluation(output, request, bundle, bySplit, foreign, rows, input.otherShapes());
                bySplit.forEach((split, e) -> {
                    if (e.rows() > 0) {
                        evaluations.put(split, e);
                    }
                });
            }
            output.commit();
            return new Result(rows, bundle.id(), evaluations, nonFinite, foreign, shape, input.otherShapes());
        }
    }

    /** One tau for every entity as a number, or tau_k by entity name where they differ (fitted thresholds). */
    public static Object thresholds(VcnModel model) {
        double[] tau = model.presenceThresholds();
        if (java.util.Arrays.stream(tau).allMatch(t -> t == tau[0])) {
            return tau[0];
        }
        Map<String, Double> byName = new LinkedHashMap<>();
        for (int k = 0; k < tau.length; k++) {
            byName.put(model.entityNames().get(k), tau[k]);
        }
        return byName;
    }

    /**
     * {@code _eval.json} (and {@code _confusion.png} for single-label data): the evaluation of the one split scored,
     * at the top level; or, where several were scored, one evaluation per split under {@code splits}, never their
     * rows mixed, each single-label one with its own {@code _confusion_<split>.png}.
     */
    private static void writeEvaluation(CommittedOutput output, ClassifyRequest request, Bundle bundle,
            TreeMap<String, Evaluation> bySplit, List<String> foreign, long scored, List<String> converted)
            throws IOException {
        VcnModel model = bundle.model();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bundle_id", bundle.id());
        report.put("bundle", request.model());
        report.put("data", request.data());
        report.put("split", request.split() != null ? request.split()
                : bySplit.size() == 1 ? bySplit.firstKey() : "each");
        report.put("threshold", thresholds(model));
        if (!converted.isEmpty()) {
            report.put("converted_from", converted);
            report.put("converted_to", model.shape().toString());
        }
        long evaluated = bySplit.values().stream().mapToLong(Evaluation::rows).sum();
        long nonFinite = bySplit.values().stream().mapToLong(Evaluation::nonFinite).sum();
        if (!foreign.isEmpty()) {
            // Only rows labelled with the model's entities can be right or wrong; the report says what it left out.
            Map<String, Object> left = new LinkedHashMap<>();
            left.put("rows", scored - evaluated - nonFinite);
            left.put("reason", "labelled with entities the model does not know");
            left.put("entities", foreign);
            report.put("rows_scored", scored);
            report.put("not_evaluated", left);
        }
        Path dir = output.staging();
        Configuration conf = output.fileSystem().getConf();
        if (bySplit.size() == 1) {
            Evaluation evaluation = bySplit.firstEntry().getValue();
            report.put("rows", evaluation.rows());
            report.put("non_finite", nonFinite);
            if (evaluation.rows() > 0) {
                report.putAll(evaluation.report(model.entityNames()));
            }
            confusion(conf, new Path(dir, ClassificationSchema.CONFUSION_FILE), evaluation, model, bundle, "");
        } else {
            report.put("rows", evaluated);
            report.put("non_finite", nonFinite);
            Map<String, Object> splits = new LinkedHashMap<>();
            for (Map.Entry<String, Evaluation> e : bySplit.entrySet()) {
                Evaluation evaluation = e.getValue();
                Map<String, Object> one = evaluation.rows() > 0 ? evaluation.report(model.entityNames())
                        : new LinkedHashMap<>(Map.of("rows", 0L, "non_finite", evaluation.nonFinite()));
                String picture = confusionFile(e.getKey());
                if (picture != null && confusion(conf, new Path(dir, picture), evaluation, model, bundle,
                        ", split " + e.getKey())) {
                    one.put("confusion_png", picture);
                }
                splits.put(e.getKey(), one);
            }
            report.put("splits", splits);
        }
        HadoopFiles.write(conf, new Path(dir, ClassificationSchema.EVAL_FILE), JSON.writeValueAsBytes(report));
        if (evaluated == 0 && nonFinite == 0 && foreign.isEmpty()) {
            throw new JobFailure("the dataset at " + request.data() + " has label columns but no labelled rows");
        }
    }

    /** The picture of a split's confusion matrix; null where the split's name cannot be a file name. */
    private static String confusionFile(String split) {
        return EntityNames.problem(split) == null
                ? ClassificationSchema.CONFUSION_FILE.replace(".png", "_" + split + ".png") : null;
    }

    /** Draws {@code evaluation}'s confusion matrix into {@code file} where it is single-label; whether it did. */
    private static boolean confusion(Configuration conf, Path file, Evaluation evaluation, VcnModel model,
            Bundle bundle, String what) throws IOException {
        if (!evaluation.singleLabel() || evaluation.rows() == 0) {
            return false;
        }
        String title = String.format(Locale.ROOT, "Confusion matrix: accuracy %.2f%% of %d images (bundle %s%s)",
                100 * evaluation.accuracy(), evaluation.rows(), bundle.id(), what);
        HadoopFiles.write(conf, file, ConfusionChart.png(evaluation.confusion(), model.entityNames(), title));
        return true;
    }
}
