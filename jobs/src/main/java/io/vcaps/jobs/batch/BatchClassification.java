package io.vcaps.jobs.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
     * What a run wrote: rows scored and, for data with labels the model knows, the evaluation (else null).
     *
     * @param foreignEntities the dataset's entities the model does not know: their rows were scored, not evaluated
     * @param shape           the model's image shape
     * @param convertedFrom   the other image shapes (HxWxC) of the data, converted to {@code shape}
     */
    public record Result(long rows, String bundleId, Evaluation evaluation, List<String> foreignEntities,
            ImageShape shape, List<String> convertedFrom) {
    }

    public static Result run(SparkSession spark, ClassifyRequest request) throws IOException {
        try (CommittedOutput output = CommittedOutput.begin(spark.sparkContext().hadoopConfiguration(),
                request.output(), request.mode(), List.of(SeparatePaths.input("--data", request.data()),
                        SeparatePaths.input("--model", request.model())))) {
            Bundle bundle = Bundle.load(spark.sparkContext().hadoopConfiguration(), request.model());
            VcnModel model = bundle.model();
            LabelledImages input = LabelledImages.read(spark, request.data(), request.split(), model.shape(),
                    model.entityNames(), true, request.convertImages());
            List<String> foreign = input.foreignEntities();
            int partitions = input.rows().rdd().getNumPartitions();
            ImageShape shape = model.shape();
            VcapsModel scorer = VcapsModel.fromBundle(bundle).setInputCol(DatasetSchema.PIXELS)
                    .setInputFormat("pixels")
                    .setIdCol(DatasetSchema.ID).setBatchSize(request.batchSize()).setHandleInvalid(VcapsModel.ERROR)
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
            Evaluation evaluation = null;
            long rows;
            if (input.labelled()) {
                int k = model.entities();
                evaluation = HadoopFiles.parquet(spark, output.staging())
                        .select(ClassificationSchema.PREDICTED, ClassificationSchema.PRESENT,
                                ClassificationSchema.KL, ClassificationSchema.UNKNOWN, ClassificationSchema.LABEL,
                                ClassificationSchema.LABELS)
                        .toJavaRDD().treeAggregate(new Evaluation(k), Evaluation::add, Evaluation::merge);
                rows = foreign.isEmpty() ? evaluation.rows() : HadoopFiles.parquet(spark, output.staging()).count();
                writeEvaluation(output, request, bundle, evaluation, foreign, rows, input.otherShapes());
                if (evaluation.rows() == 0) {
                    evaluation = null;
                }
            } else {
                rows = HadoopFiles.parquet(spark, output.staging()).count();
            }
            output.commit();
            return new Result(rows, bundle.id(), evaluation, foreign, shape, input.otherShapes());
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

    private static void writeEvaluation(CommittedOutput output, ClassifyRequest request, Bundle bundle,
            Evaluation evaluation, List<String> foreign, long scored, List<String> converted) throws IOException {
        VcnModel model = bundle.model();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bundle_id", bundle.id());
        report.put("bundle", request.model());
        report.put("data", request.data());
        report.put("split", request.split() == null ? "all" : request.split());
        report.put("threshold", thresholds(model));
        if (!converted.isEmpty()) {
            report.put("converted_from", converted);
            report.put("converted_to", model.shape().toString());
        }
        if (!foreign.isEmpty()) {
            // Only rows labelled with the model's entities can be right or wrong; the report says what it left out.
            Map<String, Object> left = new LinkedHashMap<>();
            left.put("rows", scored - evaluation.rows());
            left.put("reason", "labelled with entities the model does not know");
            left.put("entities", foreign);
            report.put("rows_scored", scored);
            report.put("not_evaluated", left);
            if (evaluation.rows() == 0) {
                report.put("rows", 0);
            }
        }
        if (evaluation.rows() > 0) {
            report.putAll(evaluation.report(model.entityNames()));
        }
        Path dir = output.staging();
        Configuration conf = output.fileSystem().getConf();
        HadoopFiles.write(conf, new Path(dir, ClassificationSchema.EVAL_FILE), JSON.writeValueAsBytes(report));
        if (evaluation.singleLabel() && evaluation.rows() > 0) {
            String title = String.format(Locale.ROOT, "Confusion matrix: accuracy %.2f%% of %d images (bundle %s)",
                    100 * evaluation.accuracy(), evaluation.rows(), bundle.id());
            byte[] png = ConfusionChart.png(evaluation.confusion(), model.entityNames(), title);
            HadoopFiles.write(conf, new Path(dir, ClassificationSchema.CONFUSION_FILE), png);
        }
        if (evaluation.rows() == 0 && foreign.isEmpty()) {
            throw new JobFailure("the dataset at " + request.data() + " has label columns but no labelled rows");
        }
    }
}
