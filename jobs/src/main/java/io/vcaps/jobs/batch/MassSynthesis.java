package io.vcaps.jobs.batch;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.ml.Bundle;
import io.vcaps.spark.CommittedOutput;
import io.vcaps.spark.HadoopFiles;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.WorkerThreads;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.util.SerializableConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
                request.output(),
                request.mode())) {
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
                String pngDir = request.png()
                        ? new Path(output.staging(), SynthesisSchema.IMAGES_DIR).toString() : null;
                JavaRDD<Row> rows = spark.range(0, total, 1, request.partitions()).toJavaRDD()
                        .mapPartitions(new Synthesiser(bundle.id(), bytes, entities, request.perEntity(),
                                request.seed(),
                                request.temperature(), pngDir,
                                        new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()),
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
