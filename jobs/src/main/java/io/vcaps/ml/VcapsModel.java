package io.vcaps.ml;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.images.ImageLimits;
import io.vcaps.spark.SparkLine;
import io.vcaps.spark.WorkerThreads;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A trained vcaps model as a Spark ML {@link Model}: {@link #transform} adds the classification columns of
 * {@code vcaps classify} ({@link ScoreColumns}: predicted, predicted_name, present, kl, score, unknown, and reason)
 * to any table of images — Spark's image struct ({@code spark.read().format("image")}), encoded files
 * ({@code binaryFile}'s {@code content}) or vcaps pixels with their shape columns — converted to the model's shape as
 * {@code vcaps etl} converts them. Executors score in minibatches with the bundle broadcast once per model. Saved
 * with {@link #write()} (metadata as Spark's own stages write it, plus the bundle file) to any Hadoop filesystem, so
 * it can be a stage of a saved {@code Pipeline}. Named apart from core's {@link VcnModel}, the networks it wraps.
 */
public final class VcapsModel extends Model<VcapsModel> implements MLWritable {
    private static final long serialVersionUID = 1L;

    /** {@code handleInvalid}: a row that cannot be scored gets null predictions and a reason. */
    public static final String KEEP = "keep";
    /** {@code handleInvalid}: such a row is dropped. */
    public static final String SKIP = "skip";
    /** {@code handleInvalid}: such a row fails the job, naming the row. */
    public static final String ERROR = "error";

    /** Where images are when inputCol is not set: Spark's image source, binaryFile, a vcaps dataset. */
    private static final List<String> DEFAULT_INPUTS = List.of("image", "content", "pixels");

    private final String uid;
    private final byte[] bundleBytes;
    private final String bundleId;
    private final ImageShape shape;
    private final ArrayList<String> entityNames;
    private transient VcnModel model;
    private transient Broadcast<byte[]> broadcast;
    private transient SparkContext broadcastContext;

    private final Param<String> inputCol;
    private final Param<String> inputFormat;
    private final Param<String> heightCol;
    private final Param<String> widthCol;
    private final Param<String> channelsCol;
    private final Param<String> idCol;
    private final Param<String> outputPrefix;
    private final IntParam batchSize;
    private final Param<String> handleInvalid;
    private final LongParam maxPixels;
    private final LongParam maxBytes;
    private final IntParam threadsPerTask;

    private VcapsModel(String uid, byte[] bundleBytes, VcnModel model) {
        this(uid, bundleBytes, Bundle.idOf(bundleBytes), model.shape(), model.entityNames());
        this.model = model;
    }

    private VcapsModel(String uid, byte[] bundleBytes, String bundleId, ImageShape shape, List<String> entityNames) {
        // From a shell or a notebook nothing else checks that this jar is the cluster's Spark line.
        SparkLine.requireRunning();
        this.uid = uid;
        this.bundleBytes = bundleBytes;
        this.bundleId = bundleId;
        this.shape = shape;
        this.entityNames = new ArrayList<>(entityNames);
        inputCol = new Param<>(this, "inputCol", "the image column: Spark's image struct, encoded image bytes, or "
                + "vcaps pixels (uint8 HWC, with heightCol, widthCol, channelsCol); unset, the first of image, "
                + "content and pixels in the data");
        inputFormat = new Param<>(this, "inputFormat", "what inputCol holds: auto (a struct is Spark's image; binary "
                + "is pixels when the shape columns exist, else encoded), image, encoded or pixels",
                ParamValidators.inArray(new String[] {"auto", "image", "encoded", "pixels"}));
        heightCol = new Param<>(this, "heightCol", "the height column of pixels input");
        widthCol = new Param<>(this, "widthCol", "the width column of pixels input");
        channelsCol = new Param<>(this, "channelsCol", "the channels column of pixels input");
        idCol = new Param<>(this, "idCol", "the column that names a row in messages, where it exists (else the "
                + "image's origin, or a path column)");
        outputPrefix = new Param<>(this, "outputPrefix", "put before the names of the added columns");
        batchSize = new IntParam(this, "batchSize", "images per model call on an executor (>= 1)",
                ParamValidators.gtEq(1));
        handleInvalid = new Param<>(this, "handleInvalid", "rows that cannot be scored: keep (null predictions and "
                + "a reason), skip (dropped) or error (the job fails)",
                ParamValidators.inArray(new String[] {KEEP, SKIP, ERROR}));
        maxPixels = new LongParam(this, "maxPixels", "largest width * height decoded from encoded input",
                ParamValidators.gtEq(1));
        maxBytes = new LongParam(this, "maxBytes", "largest encoded file decoded", ParamValidators.gtEq(1));
        threadsPerTask = new IntParam(this, "threadsPerTask", "ND4J threads per Spark task; 0: the executor's cores "
                + "over the tasks it runs at once", ParamValidators.gtEq(0));
        setDefault(inputCol, "image");
        setDefault(inputFormat, "auto");
        setDefault(heightCol, "height");
        setDefault(widthCol, "width");
        setDefault(channelsCol, "channels");
        setDefault(idCol, "id");
        setDefault(outputPrefix, "");
        setDefault(batchSize, 64);
        setDefault(handleInvalid, KEEP);
        setDefault(maxPixels, ImageLimits.DEFAULT_MAX_PIXELS);
        setDefault(maxBytes, ImageLimits.DEFAULT_MAX_FILE_BYTES);
        setDefault(threadsPerTask, 0);
    }

    /** The model of the bundle file at {@code path} (any Hadoop URI), read with the active session's settings. */
    public static VcapsModel fromBundle(String path) {
        return fromBundle(SparkSession.active().sparkContext().hadoopConfiguration(), path);
    }

    /** The model of the bundle file at {@code path}, read with {@code conf}. */
    public static VcapsModel fromBundle(Configuration conf, String path) {
        return fromBundle(Bundle.load(conf, path));
    }

    /** The model of a bundle already read. */
    public static VcapsModel fromBundle(Bundle bundle) {
        return new VcapsModel(Identifiable.randomUID("vcaps"), bundle.bytes(), bundle.model());
    }

    static VcapsModel fromBytes(String uid, byte[] bytes, String where) {
        return new VcapsModel(uid, bytes, Bundle.read(bytes, where));
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The first 16 hex digits of the bundle's SHA-256, as {@code vcaps classify} writes in {@code bundle_id}. */
    public String bundleId() {
        return bundleId;
    }

    /** The model's entity names, in the order of its capsules (the {@code predicted} and {@code kl} indices). */
    public List<String> entityNames() {
        return List.copyOf(entityNames);
    }

    /** The image shape the model reads; other shapes are converted to it. */
    public ImageShape shape() {
        return shape;
    }

    /** The networks, read on the driver (for evaluation and reports; executors read their own). */
    public synchronized VcnModel model() {
        if (model == null) {
            model = Bundle.read(bundleBytes, "bundle " + bundleId);
        }
        return model;
    }

    byte[] bundleBytes() {
        return bundleBytes;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        input(schema);
        StructType out = schema;
        for (StructField field : ScoreColumns.schema(getOutputPrefix()).fields()) {
            if (Arrays.asList(schema.fieldNames()).contains(field.name())) {
                throw new IllegalArgumentException("the output column '" + field.name() + "' is already in the "
                        + "data; set outputPrefix to add the scores under other names");
            }
            out = out.add(field);
        }
        return out;
    }

    ImageInput input(StructType schema) {
        return ImageInput.resolve(schema, inputColumn(schema), getInputFormat(),
                new String[] {getHeightCol(), getWidthCol(), getChannelsCol()}, getIdCol(), shape, getMaxPixels(),
                getMaxBytes());
    }

    /** inputCol; unset, the first of image, content and pixels that the data has. */
    private String inputColumn(StructType schema) {
        if (isSet(inputCol)) {
            return getInputCol();
        }
        List<String> columns = Arrays.asList(schema.fieldNames());
        return DEFAULT_INPUTS.stream().filter(columns::contains).findFirst().orElse(getInputCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        int threads = getThreadsPerTask() > 0 ? getThreadsPerTask()
                : WorkerThreads.plan(spark.sparkContext(), Integer.MAX_VALUE);
        RowScorer scorer = new RowScorer(bundleId, broadcast(spark), input(dataset.schema()), getBatchSize(),
                getHandleInvalid(), threads);
        return dataset.toDF().mapPartitions(scorer, Encoders.row(out));
    }

    /** The bundle on the executors: broadcast once per model and Spark application, freed with the model. */
    synchronized Broadcast<byte[]> broadcast(SparkSession spark) {
        if (broadcast == null || broadcastContext != spark.sparkContext()) {
            broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bundleBytes);
            broadcastContext = spark.sparkContext();
        }
        return broadcast;
    }

    @Override
    public VcapsModel copy(ParamMap extra) {
        VcapsModel copy = new VcapsModel(uid, bundleBytes, bundleId, shape, entityNames);
        synchronized (this) {
            copy.model = model;
            copy.broadcast = broadcast;
            copy.broadcastContext = broadcastContext;
        }
        return copyValues(copy, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new VcapsModelIO.Writer(this);
    }

    /** Reads models saved by {@link #write()}. */
    public static MLReader<VcapsModel> read() {
        return new VcapsModelIO.Reader();
    }

    /** The model saved at {@code path} by {@code write().save(path)}. */
    public static VcapsModel load(String path) {
        return read().load(path);
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> inputFormat() {
        return inputFormat;
    }

    public Param<String> heightCol() {
        return heightCol;
    }

    public Param<String> widthCol() {
        return widthCol;
    }

    public Param<String> channelsCol() {
        return channelsCol;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public Param<String> outputPrefix() {
        return outputPrefix;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> handleInvalid() {
        return handleInvalid;
    }

    public LongParam maxPixels() {
        return maxPixels;
    }

    public LongParam maxBytes() {
        return maxBytes;
    }

    public IntParam threadsPerTask() {
        return threadsPerTask;
    }

    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    public String getInputFormat() {
        return getOrDefault(inputFormat);
    }

    public String getHeightCol() {
        return getOrDefault(heightCol);
    }

    public String getWidthCol() {
        return getOrDefault(widthCol);
    }

    public String getChannelsCol() {
        return getOrDefault(channelsCol);
    }

    public String getIdCol() {
        return getOrDefault(idCol);
    }

    public String getOutputPrefix() {
        return getOrDefault(outputPrefix);
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    public String getHandleInvalid() {
        return getOrDefault(handleInvalid);
    }

    public long getMaxPixels() {
        return (Long) getOrDefault(maxPixels);
    }

    public long getMaxBytes() {
        return (Long) getOrDefault(maxBytes);
    }

    public int getThreadsPerTask() {
        return (Integer) getOrDefault(threadsPerTask);
    }

    public VcapsModel setInputCol(String value) {
        return (VcapsModel) set(inputCol, value);
    }

    public VcapsModel setInputFormat(String value) {
        return (VcapsModel) set(inputFormat, value);
    }

    /** The shape columns of pixels input. */
    public VcapsModel setShapeCols(String height, String width, String channels) {
        set(heightCol, height);
        set(widthCol, width);
        return (VcapsModel) set(channelsCol, channels);
    }

    public VcapsModel setIdCol(String value) {
        return (VcapsModel) set(idCol, value);
    }

    public VcapsModel setOutputPrefix(String value) {
        return (VcapsModel) set(outputPrefix, value);
    }

    public VcapsModel setBatchSize(int value) {
        return (VcapsModel) set(batchSize, value);
    }

    public VcapsModel setHandleInvalid(String value) {
        return (VcapsModel) set(handleInvalid, value);
    }

    public VcapsModel setMaxPixels(long value) {
        return (VcapsModel) set(maxPixels, value);
    }

    public VcapsModel setMaxBytes(long value) {
        return (VcapsModel) set(maxBytes, value);
    }

    public VcapsModel setThreadsPerTask(int value) {
        return (VcapsModel) set(threadsPerTask, value);
    }
}
