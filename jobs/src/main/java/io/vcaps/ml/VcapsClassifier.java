package io.vcaps.ml;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.Provenance;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.dataset.Splits;
import io.vcaps.jobs.run.RunDirectory;
import io.vcaps.jobs.train.TrainingData;
import io.vcaps.jobs.train.TrainingRun;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.apache.spark.sql.functions.col;

/**
 * {@code vcaps train} as a Spark ML {@link Estimator}: {@link #fit} runs the parameter-averaging training of E, G
 * and D over the executors on a DataFrame of vcaps rows ({@code id}, {@code label} or for multi-label data
 * {@code labels}, {@code pixels}, {@code height}, {@code width}, {@code channels}, and {@code split} train/test,
 * else split by id hash as the ETL splits), keeps the run record (model.zip, best.zip, eval.json, metrics.jsonl,
 * checkpoints) in a new folder {@code fit-N} of {@code runDir} (a tuning loop fits many copies of one estimator),
 * and returns the trained {@link VcapsModel}: the last model (model.zip), or with {@code returnModel = best} the most
 * accurate on the held-out rows (best.zip), as early stopping wants. Unfitted, it saves and loads as Spark's own
 * estimators do ({@code DefaultParamsWritable}: its params as JSON metadata), so a {@code Pipeline} holding it does.
 */
public final class VcapsClassifier extends Estimator<VcapsModel> implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private static final String[] RETURNED = {Provenance.Selection.LAST, Provenance.Selection.BEST};

    private final String uid;
    private final Param<String> runDir;
    private final Param<String> conf;
    private final StringArrayParam entityNames;
    private final IntParam workers;
    private final IntParam averagingFrequency;
    private final DoubleParam epochs;
    private final DoubleParam minutes;
    private final DoubleParam testFraction;
    private final Param<String> returnModel;

    public VcapsClassifier() {
        this(Identifiable.randomUID("vcapsClassifier"));
    }

    public VcapsClassifier(String uid) {
        this.uid = uid;
        runDir = new Param<>(this, "runDir", "where fits keep their run records (any Hadoop URI; required): each fit "
                + "writes a new folder fit-N in it");
        conf = new Param<>(this, "conf", "the model configuration file (HOCON, docs/CONFIGURATION.md); empty: the "
                + "defaults");
        entityNames = new StringArrayParam(this, "entityNames", "entity names in label order; empty: \"0\" to "
                + "\"K-1\" for the largest label K-1");
        workers = new IntParam(this, "workers", "parallel workers; 0: the configuration's", ParamValidators.gtEq(0));
        averagingFrequency = new IntParam(this, "averagingFrequency", "local steps between averagings; 0: the "
                + "configuration's", ParamValidators.gtEq(0));
        epochs = new DoubleParam(this, "epochs", "passes over the train rows; 0: the configuration's",
                ParamValidators.gtEq(0));
        minutes = new DoubleParam(this, "minutes", "time budget; 0: the configuration's", ParamValidators.gtEq(0));
        testFraction = new DoubleParam(this, "testFraction", "share of rows held out when there is no split column",
                ParamValidators.inRange(0, 1));
        returnModel = new Param<>(this, "returnModel", "which of the run's models fit returns: last (model.zip) or "
                + "best (best.zip, the most accurate held-out evaluation)", ParamValidators.inArray(RETURNED));
        setDefault(returnModel, Provenance.Selection.LAST);
        setDefault(conf, "");
        setDefault(entityNames, new String[0]);
        setDefault(workers, 0);
        setDefault(averagingFrequency, 0);
        setDefault(epochs, 0.0);
        setDefault(minutes, 0.0);
        setDefault(testFraction, Splits.DEFAULT_TEST_FRACTION);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** Reads an estimator saved by {@code write().save(path)}; also what a saved {@code Pipeline} calls. */
    public static MLReader<VcapsClassifier> read() {
        return new DefaultParamsReadable<VcapsClassifier>() { }.read();
    }

    public static VcapsClassifier load(String path) {
        return read().load(path);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        List<String> columns = Arrays.asList(schema.fieldNames());
        for (String c : List.of(DatasetSchema.ID, DatasetSchema.PIXELS, DatasetSchema.HEIGHT, DatasetSchema.WIDTH,
                DatasetSchema.CHANNELS)) {
            if (!columns.contains(c)) {
                throw new IllegalArgumentException("fit needs the column '" + c + "' (columns: "
                        + String.join(", ", schema.fieldNames()) + ")");
            }
        }
        if (!columns.contains(DatasetSchema.LABEL) && !columns.contains(DatasetSchema.LABELS)) {
            throw new IllegalArgumentException("fit needs the column '" + DatasetSchema.LABEL + "' (one entity an "
                    + "image) or '" + DatasetSchema.LABELS + "' (the entities present) (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        // What the fitted model adds, so that a Pipeline's later stages can be checked before anything is fitted.
        StructType out = schema;
        for (StructField field : ScoreColumns.schema("").fields()) {
            out = out.add(field);
        }
        return out;
    }

    @Override
    public VcapsModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        if (!isSet(runDir)) {
            throw new IllegalArgumentException("set runDir: where the training run's record and model go");
        }
        Dataset<Row> rows = dataset.toDF();
        if (!Arrays.asList(rows.columns()).contains(DatasetSchema.SPLIT)) {
            double fraction = (Double) getOrDefault(testFraction);
            rows = rows.withColumn(DatasetSchema.SPLIT, functions.udf(
                    (UDF1<String, String>) id -> Splits.byHash(id, fraction), DataTypes.StringType)
                    .apply(col(DatasetSchema.ID)));
        }
        List<Row> shapes = rows.select(DatasetSchema.HEIGHT, DatasetSchema.WIDTH, DatasetSchema.CHANNELS).distinct()
                .limit(2).collectAsList();
        if (shapes.size() != 1) {
            throw new IllegalArgumentException("fit needs images of one shape; the data has " + (shapes.isEmpty()
                    ? "no rows" : "several, e.g. " + shapes));
        }
        ImageShape shape = new ImageShape(shapes.get(0).getInt(0), shapes.get(0).getInt(1), shapes.get(0).getInt(2));
        // Multi-label when the rows say which entities each image shows and not the one it shows.
        boolean multiLabel = !Arrays.asList(rows.columns()).contains(DatasetSchema.LABEL);
        Column label = col(multiLabel ? DatasetSchema.LABELS : DatasetSchema.LABEL);
        Row range = rows.agg(functions.min(multiLabel ? functions.array_min(label) : label),
                functions.max(multiLabel ? functions.array_max(label) : label),
                functions.sum(functions.when(label.isNull(), 1L).otherwise(0L))).first();
        if (!range.isNullAt(2) && range.getLong(2) > 0) {
            throw new IllegalArgumentException("column '" + (multiLabel ? DatasetSchema.LABELS : DatasetSchema.LABEL)
                    + "' is null in " + range.getLong(2) + " rows; every training image needs its labels");
        }
        List<String> names = Arrays.asList(getEntityNames());
        if (names.isEmpty()) {
            names = IntStream.range(0, range.getInt(1) + 1).mapToObj(Integer::toString).toList();
        }
        if (range.getInt(0) < 0 || range.getInt(1) >= names.size()) {
            throw new IllegalArgumentException("labels run from " + range.getInt(0) + " to " + range.getInt(1)
                    + ", outside the " + names.size() + " entities " + names);
        }
        Column[] columns = {col(DatasetSchema.ID), col(DatasetSchema.SPLIT), label, col(DatasetSchema.PIXELS)};
        TrainingData data = TrainingData.of(rows.select(columns), names, shape, multiLabel, "DataFrame " + uid);
        String run;
        try {
            run = claimRun(rows.sparkSession().sparkContext().hadoopConfiguration(), getOrDefault(runDir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a run directory under " + getOrDefault(runDir), e);
        }
        TrainingRun.Request request = new TrainingRun.Request(null, run,
                getConf().isEmpty() ? null : new File(getConf()), positive((Integer) getOrDefault(workers)),
                positive((Integer) getOrDefault(averagingFrequency)), positive((Double) getOrDefault(epochs)),
                positive((Double) getOrDefault(minutes)), null, false);
        try {
            new TrainingRun(rows.sparkSession(), request, System.out).run(data);
        } catch (IOException e) {
            throw new UncheckedIOException("training into " + run + " failed: " + e.getMessage(), e);
        }
        String bundle = Provenance.Selection.BEST.equals(getReturnModel()) ? RunDirectory.BEST : RunDirectory.MODEL;
        VcapsModel model = VcapsModel.fromBundle(rows.sparkSession().sparkContext().hadoopConfiguration(),
                new Path(run, bundle).toString());
        return model.setParent(this);
    }

    /**
     * The first {@code fit-N} under {@code base} that does not exist yet, made: a Pipeline, a CrossValidator or a
     * TrainValidationSplit fits copies of one estimator, all with the same {@code runDir}, and each fit's record
     * must stay whole. Claimed under a lock, so fits running side by side in one driver get different folders.
     */
    private static synchronized String claimRun(org.apache.hadoop.conf.Configuration conf, String base)
            throws IOException {
        Path root = new Path(base);
        FileSystem fs = root.getFileSystem(conf);
        for (int n = 1; ; n++) {
            Path run = new Path(root, "fit-" + n);
            if (!fs.exists(run)) {
                fs.mkdirs(run);
                return run.toString();
            }
        }
    }

    private static Integer positive(int value) {
        return value > 0 ? value : null;
    }

    private static Double positive(double value) {
        return value > 0 ? value : null;
    }

    @Override
    public VcapsClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public Param<String> runDir() {
        return runDir;
    }

    public Param<String> conf() {
        return conf;
    }

    public StringArrayParam entityNames() {
        return entityNames;
    }

    public IntParam workers() {
        return workers;
    }

    public IntParam averagingFrequency() {
        return averagingFrequency;
    }

    public DoubleParam epochs() {
        return epochs;
    }

    public DoubleParam minutes() {
        return minutes;
    }

    public DoubleParam testFraction() {
        return testFraction;
    }

    public Param<String> returnModel() {
        return returnModel;
    }

    public String getReturnModel() {
        return getOrDefault(returnModel);
    }

    public String getConf() {
        return getOrDefault(conf);
    }

    public String[] getEntityNames() {
        return getOrDefault(entityNames);
    }

    public VcapsClassifier setRunDir(String value) {
        return (VcapsClassifier) set(runDir, value);
    }

    public VcapsClassifier setConf(String value) {
        return (VcapsClassifier) set(conf, value);
    }

    public VcapsClassifier setEntityNames(String[] value) {
        return (VcapsClassifier) set(entityNames, value);
    }

    public VcapsClassifier setWorkers(int value) {
        return (VcapsClassifier) set(workers, value);
    }

    public VcapsClassifier setAveragingFrequency(int value) {
        return (VcapsClassifier) set(averagingFrequency, value);
    }

    public VcapsClassifier setEpochs(double value) {
        return (VcapsClassifier) set(epochs, value);
    }

    public VcapsClassifier setMinutes(double value) {
        return (VcapsClassifier) set(minutes, value);
    }

    public VcapsClassifier setTestFraction(double value) {
        return (VcapsClassifier) set(testFraction, value);
    }

    public VcapsClassifier setReturnModel(String value) {
        return (VcapsClassifier) set(returnModel, value);
    }
}
