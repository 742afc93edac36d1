package io.vcaps.jobs.batch;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.ml.Bundle;
import io.vcaps.spark.CommittedOutput;
import io.vcaps.spark.HadoopFiles;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.SeparatePaths;
import io.vcaps.spark.WorkerThreads;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.PairFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.nd4j.linalg.api.ndarray.INDArray;
import scala.Tuple2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Mass synthesis: N images per requested entity from the prior at temperature t, written as a
 * {@link SynthesisSchema} Parquet table, optionally with a PNG per image, a contact sheet and a latent traversal
 * grid per entity. The index range is generated on the executors ({@code spark.range}), so the driver's memory
 * does not grow with N; the rows are byte-identical for any partition or executor count ({@link Synthesiser}).
 * The output appears complete or not at all ({@link CommittedOutput}).
 */
public final class MassSynthesis {
    /** Images on a contact sheet: the first ones of each entity, at most this many. */
    static final int SHEET_IMAGES = 100;
    /** Steps across [-3, 3] in a traversal. */
    public static final int TRAVERSAL_STEPS = 11;

    private MassSynthesis() {
    }

    /** What a run wrote. */
    public record Result(long images, int entities, String bundleId) {
    }

    public static Result run(SparkSession spark, GenerateRequest request) throws IOException {
        try (CommittedOutput output = CommittedOutput.begin(spark.sparkContext().hadoopConfiguration(),
                request.output(), request.mode(), List.of(SeparatePaths.input("--model", request.model())))) {
            Bundle bundle = Bundle.load(spark.sparkContext().hadoopConfiguration(), request.model());
            VcnModel model = request.standardPrior() ? bundle.model().withPriors(null) : bundle.model();
            int[] entities = entities(model, request.entities());
            long total;
            try {
                total = Math.multiplyExact(request.perEntity(), entities.length);
            } catch (ArithmeticException e) {
                throw new JobFailure("--per-entity " + request.perEntity() + " times " + entities.length
                        + " entities is too many images");
            }
            String staging = output.staging().toString();
            Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bundle.bytes());
            try {
                JavaRDD<Row> rows = spark.range(0, total, 1, request.partitions()).toJavaRDD()
                        .mapPartitions(new Synthesiser(bundle.id(), bytes, entities, request.perEntity(),
                                request.seed(), request.temperature(),
                                WorkerThreads.plan(spark.sparkContext(), request.partitions()),
                                request.standardPrior()));
                spark.createDataFrame(rows, SynthesisSchema.SCHEMA).write().mode(SaveMode.ErrorIfExists)
                        // Every id, latent vector and image differs: Parquet's dictionary would only fall back.
                        .option("parquet.enable.dictionary#" + SynthesisSchema.ID, "false")
                        .option("parquet.enable.dictionary#" + SynthesisSchema.Z + ".list.element", "false")
                        .option("parquet.enable.dictionary#" + SynthesisSchema.PIXELS, "false")
                        .parquet(staging);
            } finally {
                bytes.destroy();
            }
            if (request.png()) {
                writeImages(spark, output, model.shape(), request.perEntity());
            }
            if (request.sheets()) {
                writeSheets(spark, output, model, entities, request.perEntity());
            }
            if (request.traversals()) {
                writeTraversals(output, model, entities, request.seed());
            }
            output.commit();
            return new Result(total, entities.length, bundle.id());
        }
    }

    /** The model indices of {@code names} (all entities when null), each once, in the order given. */
    static int[] entities(VcnModel model, List<String> names) {
        if (names == null) {
            return java.util.stream.IntStream.range(0, model.entities()).toArray();
        }
        Set<Integer> chosen = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            int k = model.entityNames().indexOf(name.strip());
            if (k < 0) {
                unknown.add(name);
            } else {
                chosen.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new JobFailure("unknown entit" + (unknown.size() == 1 ? "y " : "ies ") + unknown
                    + "; the model's entities are " + model.entityNames());
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * A PNG file per row of the table just written ({@code _images/<k>-<name>/<index>.png}), encoded from its pixels
     * by a second Spark job through Hadoop's commit protocol ({@link PngFileOutput}). The synthesis tasks used to
     * write these files themselves, straight into the staging folder: correct only while every attempt of a
     * partition wrote the same names and bytes and no two ran at once, since a speculative copy or an attempt
     * still running on an executor the driver had given up on (a zombie) could truncate a file another attempt
     * had finished. Through the committer each attempt writes only its own work folder and the job commit takes one
     * attempt per partition, so retries, zombies and speculation cannot leave a file of a losing attempt. The
     * images come from the committed rows, so the files and the table are the same pixels by construction.
     */
    private static void writeImages(SparkSession spark, CommittedOutput output, ImageShape shape, long perEntity)
            throws IOException {
        Configuration conf = new Configuration(spark.sparkContext().hadoopConfiguration());
        // v1: an attempt's files reach the output only at the job commit, never while a task commits.
        conf.setInt(FileOutputCommitter.FILEOUTPUTCOMMITTER_ALGORITHM_VERSION, 1);
        conf.setBoolean(FileOutputCommitter.SUCCESSFUL_JOB_OUTPUT_DIR_MARKER, false);
        HadoopFiles.parquet(spark, output.staging())
                .select(SynthesisSchema.ENTITY, SynthesisSchema.ENTITY_NAME, SynthesisSchema.INDEX,
                        SynthesisSchema.PIXELS)
                .toJavaRDD().mapToPair(new ImageFile(shape, perEntity))
                .saveAsNewAPIHadoopFile(new Path(output.staging(), SynthesisSchema.IMAGES_DIR).toString(),
                        String.class, byte[].class, PngFileOutput.class, conf);
    }

    /** A row of the table as its PNG file: the path under {@code _images} and the encoded image. */
    private static final class ImageFile implements PairFunction<Row, String, byte[]> {
        private static final long serialVersionUID = 1L;
        private final ImageShape shape;
        private final long perEntity;
        private transient Map<Integer, String> folders;

        ImageFile(ImageShape shape, long perEntity) {
            this.shape = shape;
            this.perEntity = perEntity;
        }

        @Override
        public Tuple2<String, byte[]> call(Row row) {
            if (folders == null) {
                folders = new HashMap<>();
            }
            int entity = row.getInt(0);
            String folder = folders.computeIfAbsent(entity, k -> SynthesisSchema.entityStem(k, row.getString(1)));
            return new Tuple2<>(folder + "/" + SynthesisSchema.indexName(row.getLong(2), perEntity) + ".png",
                    PngImages.image((byte[]) row.get(3), shape.height(), shape.width(), shape.channels()));
        }
    }

    /** A contact sheet per entity from the first images written, read back from the table (the very same pixels). */
    private static void writeSheets(SparkSession spark, CommittedOutput output, VcnModel model, int[] entities,
            long perEntity) throws IOException {
        int count = (int) Math.min(SHEET_IMAGES, perEntity);
        int columns = (int) Math.ceil(Math.sqrt(count));
        ImageShape shape = model.shape();
        List<Row> first = HadoopFiles.parquet(spark, output.staging())
                .where(functions.col(SynthesisSchema.INDEX).lt(count))
                .select(SynthesisSchema.ENTITY, SynthesisSchema.INDEX, SynthesisSchema.PIXELS)
                .collectAsList();
        for (int entity : entities) {
            List<byte[]> images = new ArrayList<>(java.util.Collections.nCopies(count, (byte[]) null));
            for (Row r : first) {
                if (r.getInt(0) == entity) {
                    images.set((int) r.getLong(1), (byte[]) r.get(2));
                }
            }
            byte[] png = PngImages.grid(images, columns, shape.height(), shape.width(), shape.channels(), scale(shape));
            write(output, SynthesisSchema.SHEETS_DIR,
                    SynthesisSchema.entityStem(entity, model.entityNames().get(entity)), png);
        }
    }

    /**
     * A grid per entity around a prior sample of its capsule drawn from the job's seed and the entity alone, so the
     * same seed gives the same grids.
     */
    private static void writeTraversals(CommittedOutput output, VcnModel model, int[] entities, long seed)
            throws IOException {
        for (int entity : entities) {
            write(output, SynthesisSchema.TRAVERSALS_DIR,
                    SynthesisSchema.entityStem(entity, model.entityNames().get(entity)),
                    traversal(model, entity, model.priorCapsule(entity, seed * 31 + entity)));
        }
    }

    /**
     * The latent traversal of {@code entity} as a PNG grid: row d is the capsule {@code centre} [D] (a real image's
     * capsule mean, or a prior sample) with dimension d set across [-3, 3] in {@link #TRAVERSAL_STEPS} steps, the
     * entity alone present.
     */
    public static byte[] traversal(VcnModel model, int entity, INDArray centre) {
        ImageShape shape = model.shape();
        List<byte[]> images = new ArrayList<>();
        for (int d = 0; d < model.latentDim(); d++) {
            images.addAll(PngImages.fromUnit(model.traverse(entity, d, TRAVERSAL_STEPS, centre)));
        }
        return PngImages.grid(images, TRAVERSAL_STEPS, shape.height(), shape.width(), shape.channels(), scale(shape));
    }

    /** The whole factor by which pictures of {@code shape} are scaled up, so that small images can be seen. */
    public static int scale(ImageShape shape) {
        return Math.max(1, 64 / Math.max(shape.height(), shape.width()));
    }

    private static void write(CommittedOutput output, String dir, String stem, byte[] png) throws IOException {
        HadoopFiles.write(output.fileSystem().getConf(), new Path(new Path(output.staging(), dir), stem + ".png"), png);
    }
}
