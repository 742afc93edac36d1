package io.vcaps.jobs.report;

import io.vcaps.core.quality.IndependentClassifier;
import io.vcaps.core.quality.MultiLabelQuality;
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
 * split. On multi-label datasets ({@link #measureMultiLabel}) the classifier is multi-label and the samples are
 * drawn per requested set of entities ({@link MultiLabelQuality}).
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

    /** Whether {@code dataset} is multi-label (its metadata says so), checked against {@code model} as read. */
    public static boolean multiLabel(SparkSession spark, String dataset, VcnModel model) {
        return LabelledImages.read(spark, dataset, DatasetSchema.TEST, model.shape(), model.entityNames())
                .multiLabel();
    }

    public static SynthesisQuality measure(SparkSession spark, String dataset, VcnModel model, Settings settings) {
        Split train = read(spark, dataset, DatasetSchema.TRAIN, model, settings.trainImages(), settings.seed(), false);
        Split heldOut = read(spark, dataset, DatasetSchema.TEST, model, settings.heldOutImages(), settings.seed(),
                false);
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

    /**
     * The multi-label measures of {@code model}'s samples of each of {@code sets} (ascending model indices), judged
     * by a multi-label classifier trained here; {@code samplesPerEntity} samples per set.
     */
    public static MultiLabelQuality measureMultiLabel(SparkSession spark, String dataset, VcnModel model,
            Settings settings, int[][] sets) {
        Split train = read(spark, dataset, DatasetSchema.TRAIN, model, settings.trainImages(), settings.seed(), true);
        Split heldOut = read(spark, dataset, DatasetSchema.TEST, model, settings.heldOutImages(), settings.seed(),
                true);
        long start = System.nanoTime();
        LOG.info("quality: training the multi-label independent classifier on {} train images for {} epochs",
                train.labels.length, settings.classifierEpochs());
        IndependentClassifier classifier = IndependentClassifier
                .createMultiLabel(model.shape(), model.entities(), settings.seed())
                .trainMultiLabel(train.images, train.present(model.entities()), settings.classifierEpochs(),
                        settings.seed());
        LOG.info("quality: classifier trained in {} s; measuring {} samples per set",
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9), settings.samplesPerEntity());
        return MultiLabelQuality.measure(model, classifier, train.images, train.present(model.entities()),
                heldOut.images, heldOut.present(model.entities()), sets, settings.samplesPerEntity(),
                settings.temperature(), settings.seed());
    }

    /** Images and, per image, its entity (single-label) or -1 and its entities in {@code sets} (multi-label). */
    private record Split(INDArray images, int[] labels, int[][] sets) {

        boolean[][] present(int entities) {
            boolean[][] out = new boolean[sets.length][entities];
            for (int i = 0; i < sets.length; i++) {
                for (int k : sets[i]) {
                    out[i][k] = true;
                }
            }
            return out;
        }
    }

    /**
     * {@code model} drawing from entity priors fitted here to up to {@code trainImages} train images: what
     * {@code vcaps train} keeps in its bundles, for bundles made without them.
     */
    public static VcnModel withFittedPriors(SparkSession spark, String dataset, VcnModel model, int trainImages,
            long seed) {
        boolean multi = multiLabel(spark, dataset, model);
        Split train = read(spark, dataset, DatasetSchema.TRAIN, model, trainImages, seed, multi);
        LOG.info("quality: fitting the entity priors to {} train images", train.labels.length);
        return model.withPriorsFittedTo(train.images, train.sets);
    }

    private static Split read(SparkSession spark, String dataset, String split, VcnModel model, int limit, long seed,
            boolean multiLabel) {
        LabelledImages input = LabelledImages.read(spark, dataset, split, model.shape(), model.entityNames());
        if (!input.labelled() || input.multiLabel() != multiLabel) {
            throw new JobFailure("these synthesis measures need a " + (multiLabel ? "multi" : "single")
                    + "-label dataset; " + dataset + " is " + (!input.labelled() ? "unlabelled"
                    : input.multiLabel() ? "multi-label" : "single-label"));
        }
        String column = multiLabel ? DatasetSchema.LABELS : DatasetSchema.LABEL;
        List<Row> rows = input.rows().where(functions.col(column).isNotNull())
                .orderBy(functions.hash(functions.col(DatasetSchema.ID), functions.lit(seed)))
                .limit(limit).collectAsList();
        if (rows.size() < 2) {
            throw new JobFailure("dataset " + dataset + " has " + rows.size() + " labelled " + split
                    + " images; synthesis quality needs at least 2");
        }
        ImageShape shape = model.shape();
        float[] x = new float[rows.size() * shape.pixels()];
        int[] labels = new int[rows.size()];
        int[][] sets = new int[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            Pixels.toUnit(row.getString(LabelledImages.ID), (byte[]) row.get(LabelledImages.PIXELS), shape, x,
                    i * shape.pixels());
            labels[i] = multiLabel ? -1 : row.getInt(LabelledImages.LABEL);
            sets[i] = multiLabel ? row.<Integer>getList(LabelledImages.LABELS).stream().mapToInt(Integer::intValue)
                    .toArray() : new int[] {labels[i]};
        }
        return new Split(Nd4j.create(x, new long[] {rows.size(), shape.pixels()}, 'c').castTo(DataType.FLOAT), labels,
                sets);
    }
}
