package io.vcaps.jobs.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vcaps.core.vcn.EntityPriors;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetMetadata;
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
 * Mass synthesis: N images per requested entity, or per requested set of entities (each capsule of the set sampled
 * from its prior, the others masked), from the prior at temperature t, written as a
 * {@link SynthesisSchema} Parquet table, optionally with a PNG per image, a contact sheet and a latent traversal
 * grid per entity. The index range is generated on the executors ({@code spark.range}), so the driver's memory
 * does not grow with N; the rows are byte-identical for any partition or executor count ({@link Synthesiser}).
 * The output appears complete or not at all ({@link CommittedOutput}).
 */
public final class MassSynthesis {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Images on a contact sheet: the first ones of each entity, at most this many. */
    static final int SHEET_IMAGES = 100;
    /** Steps across [-3, 3] in a traversal. */
    public static final int TRAVERSAL_STEPS = 11;

    private MassSynthesis() {
    }

    /**
     * What a run wrote: images, the requested entities or sets, the bundle, and one note per set of several entities
     * drawn from its entities' priors rather than its own ({@link SynthesisSchema#PRIORS_FILE}).
     */
    public record Result(long images, int sets, String bundleId, List<String> notes) {
    }

    /** A request names an entity the model does not have: a bad option, not a failure of the job. */
    public static final class UnknownEntities extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnknownEntities(String message) {
            super(message);
        }
    }

    public static Result run(SparkSession spark, GenerateRequest request) throws IOException {
        try (CommittedOutput output = CommittedOutput.begin(spark.sparkContext().hadoopConfiguration(),
                request.output(), request.mode(), List.of(SeparatePaths.input("--model", request.model())))) {
            Bundle bundle = Bundle.load(spark.sparkContext().hadoopConfiguration(), request.model());
            VcnModel model = request.standardPrior() ? bundle.model().withPriors(null) : bundle.model();
            List<String> specs = request.sets() == null ? null : new ArrayList<>(request.sets());
            if (request.setsFile() != null) {
                specs = specs == null ? new ArrayList<>() : specs;
                specs.addAll(setsFile(spark.sparkContext().hadoopConfiguration(), request.setsFile()));
            }
            int[][] sets = sets(model, specs);
            refuseStandardPriors(model, sets);
            ObjectNode priors = priorsUsed(model, sets, request, bundle.id());
            List<String> notes = new ArrayList<>();
            priors.withArray("sets").forEach(set -> {
                if (set.has("reason")) {
                    notes.add("set " + set.get("entities") + " draws each capsule from its entity's prior: "
                            + set.get("reason").asText());
                }
            });
            long total;
            try {
                total = Math.multiplyExact(request.perEntity(), sets.length);
            } catch (ArithmeticException e) {
                throw new JobFailure("--per-entity " + request.perEntity() + " times " + sets.length
                        + " sets is too many images");
            }
            String staging = output.staging().toString();
            Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bundle.bytes());
            try {
                JavaRDD<Row> rows = spark.range(0, total, 1, request.partitions()).toJavaRDD()
                        .mapPartitions(new Synthesiser(bundle.id(), bytes, sets, request.perEntity(),
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
                writeSheets(spark, output, model, sets, request.perEntity());
            }
            if (request.traversals()) {
                writeTraversals(output, model, java.util.Arrays.stream(sets).flatMapToInt(java.util.Arrays::stream)
                        .distinct().toArray(), request.seed());
            }
            HadoopFiles.write(output.fileSystem().getConf(), new Path(output.staging(), SynthesisSchema.PRIORS_FILE),
                    JSON.writeValueAsBytes(priors));
            metadata(model, sets, request).write(output.fileSystem().getConf(), output.staging());
            output.commit();
            return new Result(total, sets.length, bundle.id(), notes);
        }
    }

    /**
     * {@code _vcaps.json} of the generated table, which is a labelled dataset (label: the requested entity; labels:
     * the requested set): the model's entities and shape, so that {@code vcaps classify --data} reads it as any
     * other; its rows have no split, so their counts are under {@code all}.
     */
    private static DatasetMetadata metadata(VcnModel model, int[][] sets, GenerateRequest request) {
        Map<String, Long> perEntity = new java.util.LinkedHashMap<>();
        model.entityNames().forEach(name -> perEntity.put(name, 0L));
        boolean multiLabel = false;
        for (int[] set : sets) {
            multiLabel |= set.length != 1;
            for (int k : set) {
                perEntity.merge(model.entityNames().get(k), request.perEntity(), Long::sum);
            }
        }
        return new DatasetMetadata(DatasetMetadata.SCHEMA_VERSION, java.time.Instant.now().toString(),
                new DatasetMetadata.Source("generate", request.model(), null), model.shape(), multiLabel,
                model.entityNames(), null,
                Map.of(BatchClassification.ALL, new DatasetMetadata.SplitCounts(
                        (long) request.perEntity() * sets.length, perEntity)),
                new DatasetMetadata.Rejects(0, Map.of(), Map.of()));
    }

    /**
     * The model indices of each set (comma-separated names; each entity alone when {@code specs} is null),
     * ascending within a set, each set once, in the order given.
     *
     * @throws UnknownEntities naming the names the model does not have
     */
    public static int[][] sets(VcnModel model, List<String> specs) {
        if (specs == null) {
            return java.util.stream.IntStream.range(0, model.entities()).mapToObj(k -> new int[] {k})
                    .toArray(int[][]::new);
        }
        Set<List<Integer>> chosen = new LinkedHashSet<>();
        Set<String> unknown = new LinkedHashSet<>();
        for (String spec : specs) {
            java.util.TreeSet<Integer> set = new java.util.TreeSet<>();
            for (String name : spec.split(",")) {
                int k = model.entityNames().indexOf(name.strip());
                if (k < 0) {
                    unknown.add(name.strip());
                } else {
                    set.add(k);
                }
            }
            chosen.add(List.copyOf(set));
        }
        if (!unknown.isEmpty()) {
            throw new UnknownEntities("unknown entit" + (unknown.size() == 1 ? "y " : "ies ") + unknown
                    + "; the model's entities are " + model.entityNames());
        }
        if (chosen.isEmpty()) {
            throw new JobFailure("the requested sets name no entity");
        }
        return chosen.stream().map(s -> s.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    }

    /** The sets of a --sets file: one a line, blank lines and lines starting with # skipped. */
    static List<String> setsFile(Configuration conf, String file) throws IOException {
        List<String> sets = new ArrayList<>();
        int line = 0;
        for (String text : new String(HadoopFiles.read(conf, new Path(file)), java.nio.charset.StandardCharsets.UTF_8)
                .split("\\R")) {
            line++;
            String set = text.strip();
            if (set.isEmpty() || set.startsWith("#")) {
                continue;
            }
            if (set.startsWith(",") || set.endsWith(",") || set.contains(",,")) {
                throw new UnknownEntities(file + ":" + line + ": '" + set + "' names an empty entity");
            }
            sets.add(set);
        }
        if (sets.isEmpty()) {
            throw new UnknownEntities("--sets " + file + " holds no set");
        }
        return sets;
    }

    /**
     * Refuses sets with an entity whose fitted prior is N(0, I) because no image in the prior sample showed it: its
     * samples would look like nothing G was trained on, and the user would not know why.
     */
    private static void refuseStandardPriors(VcnModel model, int[][] sets) {
        if (model.priors().isEmpty()) {
            return;
        }
        EntityPriors priors = model.priors().get();
        java.util.TreeSet<String> standard = new java.util.TreeSet<>();
        for (int[] set : sets) {
            for (int k : set) {
                if (priors.standard(k)) {
                    standard.add(model.entityNames().get(k));
                }
            }
        }
        if (!standard.isEmpty()) {
            throw new JobFailure("no train image in the prior fit showed " + standard + ", so the bundle has no"
                    + " fitted prior for " + (standard.size() == 1 ? "it" : "them") + " (provenance sparse_priors);"
                    + " leave " + (standard.size() == 1 ? "it" : "them") + " out, or pass --standard-prior to"
                    + " sample every entity from N(0, I)");
        }
    }

    /** What {@link SynthesisSchema#PRIORS_FILE} says: the prior each set is drawn from, and why. */
    private static ObjectNode priorsUsed(VcnModel model, int[][] sets, GenerateRequest request, String bundleId) {
        ObjectNode out = JSON.createObjectNode().put("bundle_id", bundleId).put("seed", request.seed())
                .put("temperature", request.temperature());
        ArrayNode list = out.putArray("sets");
        for (int[] set : sets) {
            ObjectNode entry = list.addObject();
            ArrayNode names = entry.putArray("entities");
            java.util.Arrays.stream(set).forEach(k -> names.add(model.entityNames().get(k)));
            if (model.priors().isEmpty()) {
                entry.put("prior", "standard");
                continue;
            }
            EntityPriors priors = model.priors().get();
            java.util.Optional<EntityPriors.SetPrior> own = priors.set(set);
            if (own.isPresent()) {
                entry.put("prior", "set").put("images", own.get().count());
            } else {
                entry.put("prior", "entities");
                ArrayNode images = entry.putArray("images");
                java.util.Arrays.stream(set).forEach(k -> images.add(priors.count(k)));
                String reason = priors.fallback(set, model.entityNames());
                if (reason != null) {
                    entry.put("reason", reason);
                }
            }
        }
        return out;
    }

    /** The name of a set's rows: its entities' names joined by {@code |}, in index order. */
    public static String name(VcnModel model, int[] set) {
        StringBuilder joined = new StringBuilder();
        for (int k : set) {
            joined.append(joined.length() == 0 ? "" : "|").append(model.entityNames().get(k));
        }
        return joined.toString();
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
        private transient Map<String, String> folders;

        ImageFile(ImageShape shape, long perEntity) {
            this.shape = shape;
            this.perEntity = perEntity;
        }

        @Override
        public Tuple2<String, byte[]> call(Row row) {
            if (folders == null) {
                folders = new HashMap<>();
            }
            String folder = folders.computeIfAbsent(row.getString(1),
                    name -> SynthesisSchema.stem(row.getInt(0), name));
            return new Tuple2<>(folder + "/" + SynthesisSchema.indexName(row.getLong(2), perEntity) + ".png",
                    PngImages.image((byte[]) row.get(3), shape.height(), shape.width(), shape.channels()));
        }
    }

    /** A contact sheet per set from the first images written, read back from the table (the very same pixels). */
    private static void writeSheets(SparkSession spark, CommittedOutput output, VcnModel model, int[][] sets,
            long perEntity) throws IOException {
        int count = (int) Math.min(SHEET_IMAGES, perEntity);
        int columns = (int) Math.ceil(Math.sqrt(count));
        ImageShape shape = model.shape();
        List<Row> first = HadoopFiles.parquet(spark, output.staging())
                .where(functions.col(SynthesisSchema.INDEX).lt(count))
                .select(SynthesisSchema.ENTITY_NAME, SynthesisSchema.INDEX, SynthesisSchema.PIXELS)
                .collectAsList();
        for (int[] set : sets) {
            String name = name(model, set);
            List<byte[]> images = new ArrayList<>(java.util.Collections.nCopies(count, (byte[]) null));
            for (Row r : first) {
                if (r.getString(0).equals(name)) {
                    images.set((int) r.getLong(1), (byte[]) r.get(2));
                }
            }
            byte[] png = PngImages.grid(images, columns, shape.height(), shape.width(), shape.channels(), scale(shape));
            write(output, SynthesisSchema.SHEETS_DIR, SynthesisSchema.stem(set.length == 1 ? set[0] : -1, name), png);
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
            images.addAll(PngImages.fromUnit(model.traverse(entity, d, TRAVERSAL_STEPS, centre), "the traversal of"
                    + " entity " + model.entityNames().get(entity) + ", dimension " + d));
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
