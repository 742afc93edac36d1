package io.vcaps.jobs.report;

import io.vcaps.core.quality.IndependentClassifier;
import io.vcaps.core.quality.SynthesisQuality;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.dataset.LabelledImages;
import io.vcaps.dataset.Pixels;
import io.vcaps.spark.JobFailure;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;

/**
 * The synthesis measures of a model on a vcaps dataset ({@link SynthesisQuality}): both splits read through
 * Spark onto the driver (the train split sampled down to {@code trainImages}), an {@link IndependentClassifier}
 * trained on the train split, and the model's samples, reconstructions and baselines measured against the test
 * split. Single-label datasets only: recognising a sample needs one entity per image.
 */
public final class QualityMeasures {

    private static final Logger LOG = LoggerFactory.getLogger(QualityMeasures.class);

    /** How much data and work the measures take. */
    public record Settings(int trainImages, int heldOutImages, double classifierEpochs, int samplesPerEntity,
            double temperature, long seed) {

        public Settings {
            if (trainImages < 2 || heldOutImages < 2 || samplesPerEntity < 2) {
                throw new IllegalArgumentException("quality measures need at least 2 train images, held-out images"
                        + " and samples per entity");
            }
            if (!(classifierEpochs > 0) || !(temperature >= 0)) {
                throw new IllegalArgumentException("classifier epochs must be above 0 and temperature at least 0");
            }
        }
    }

    private QualityMeasures() {
    }

    public static SynthesisQuality measure(SparkSession spark, String dataset, VcnModel model, Settings settings) {
        Split train = read(spark, dataset, DatasetSchema.TRAIN, model, settings.trainImages(), settings.seed());
        Split heldOut = read(spark, dataset, DatasetSchema.TEST, model, settings.heldOutImages(), settings.seed());
        long start = System.nanoTime();
        LOG.info("quality: training the independent classifier on {} train images for {} epochs", train.labels.length,
                settings.classifierEpochs());
        IndependentClassifier classifier = IndependentClassifier
                .create(model.shape(), model.entities(), settings.seed())
                .train(train.images, train.labels, settings.classifierEpochs(), settings.seed());
        LOG.info("quality: classifier trained in {} s; measuring {} samples per entity",
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9), settings.samplesPerEntity());
        return SynthesisQuality.measure(model, classifier, train.images, train.labels, heldOut.images, heldOut.labels,
                settings.samplesPerEntity(), settings.temperature(), settings.seed());
    }

    private record Split(INDArray images, int[] labels) {
    }

    /**
     * {@code model} drawing from entity priors fitted here to up to {@code trainImages} train images: what
     * {@code vcaps train} keeps in its bundles, for bundles made without them.
     */
    public static VcnModel withFittedPriors(SparkSession spark, String dataset, VcnModel model, int trainImages,
            long seed) {
        Split train = read(spark, dataset, DatasetSchema.TRAIN, model, trainImages, seed);
        LOG.info("quality: fitting the entity priors to {} train images", train.labels.length);
        return model.withPriorsFittedTo(train.images, train.labels);
    }

    private static Split read(SparkSession spark, String dataset, String split, VcnModel model, int limit, long seed) {
        LabelledImages input = LabelledImages.read(spark, dataset, split, model.shape(), model.entityNames());
        if (!input.labelled() || input.multiLabel()) {
            throw new JobFailure("synthesis quality needs a single-label dataset; " + dataset + " is "
                    + (input.labelled() ? "multi-label" : "unlabelled"));
        }
        List<Row> rows = input.rows().where(functions.col(DatasetSchema.LABEL).isNotNull())
                .orderBy(functions.hash(functions.col(DatasetSchema.ID), functions.lit(seed)))
                .limit(limit).collectAsList();
        if (rows.size() < 2) {
            throw new JobFailure("dataset " + dataset + " has " + rows.size() + " labelled " + split
                    + " images; synthesis quality needs at least 2");
        }
        ImageShape shape = model.shape();
        float[] x = new float[rows.size() * shape.pixels()];
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            Pixels.toUnit(row.getString(LabelledImages.ID), (byte[]) row.get(LabelledImages.PIXELS), shape, x,
                    i * shape.pixels());
            labels[i] = row.getInt(LabelledImages.LABEL);
        }
        return new Split(Nd4j.create(x, new long[] {rows.size(), shape.pixels()}, 'c').castTo(DataType.FLOAT), labels);
    }
}
