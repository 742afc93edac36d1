package io.vcaps.jobs.batch;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The table {@code vcaps generate} writes, one row per image, and the folders of pictures beside it. The pixel
 * columns follow docs/DATA.md, and {@code label}/{@code labels} hold the requested entity, so {@code vcaps classify}
 * reads a generated table as a labelled dataset and its accuracy is how often samples come back as their entity.
 */
public final class SynthesisSchema {
    /** {@code <entity_name>-<seed>-<index>}. */
    public static final String ID = "id";
    /**
     * The entity sampled (the model's index) and its name; for a set of entities -1 and their names joined by
     * {@code |} in index order, as vcaps etl writes a multi-label row's {@code label} and {@code label_name}.
     */
    public static final String ENTITY = "entity";
    public static final String ENTITY_NAME = "entity_name";
    public static final String SEED = "seed";
    /** The image's number within its entity, 0..N-1. */
    public static final String INDEX = "index";
    public static final String TEMPERATURE = "temperature";
    /**
     * The entity's sampled capsule, D values: the generator decoded the K*D vector holding it in the entity's slot
     * and zeros elsewhere, so these D values are the whole latent input. For a set, its entities' capsules one
     * after the other in index order, D values each.
     */
    public static final String Z = "z";
    public static final String LABEL = "label";
    public static final String LABELS = "labels";
    public static final String HEIGHT = "height";
    public static final String WIDTH = "width";
    public static final String CHANNELS = "channels";
    /** uint8, row-major HWC, as in a vcaps etl dataset. */
    public static final String PIXELS = "pixels";

    public static final StructType SCHEMA = new StructType()
            .add(ID, DataTypes.StringType, false)
            .add(ENTITY, DataTypes.IntegerType, false)
            .add(ENTITY_NAME, DataTypes.StringType, false)
            .add(SEED, DataTypes.LongType, false)
            .add(INDEX, DataTypes.LongType, false)
            .add(TEMPERATURE, DataTypes.DoubleType, false)
            .add(Z, DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add(LABEL, DataTypes.IntegerType, false)
            .add(LABELS, DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add(HEIGHT, DataTypes.IntegerType, false)
            .add(WIDTH, DataTypes.IntegerType, false)
            .add(CHANNELS, DataTypes.IntegerType, false)
            .add(PIXELS, DataTypes.BinaryType, false);

    /** One PNG per image: {@code _images/<entity>-<name>/<index>.png}. */
    public static final String IMAGES_DIR = "_images";
    /** A contact sheet per entity: {@code _sheets/<entity>-<name>.png}. */
    public static final String SHEETS_DIR = "_sheets";
    /** A traversal grid per entity, one row per latent dimension: {@code _traversals/<entity>-<name>.png}. */
    public static final String TRAVERSALS_DIR = "_traversals";
    /**
     * Which prior each requested set was drawn from: {@code sets}, one object per set ({@code entities} by name,
     * {@code prior}: {@code set} (the pair's own, fitted to {@code images} that show both), {@code entities} (each
     * capsule from its entity's prior, {@code images} per entity, with the {@code reason} when the set has more than
     * one entity) or {@code standard} (N(0, I))), beside the bundle id, seed and temperature.
     */
    public static final String PRIORS_FILE = "_priors.json";

    private SynthesisSchema() {
    }

    /** The file-system-safe folder or file stem of entity {@code k} named {@code name}. */
    public static String entityStem(int k, String name) {
        return k + "-" + name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The stem of a requested set's pictures: {@link #entityStem} for one entity, {@code set-<names>} for more. */
    public static String stem(int entity, String name) {
        return entity >= 0 ? entityStem(entity, name) : "set-" + name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** {@code index} zero-padded to the width of {@code perEntity - 1}. */
    public static String indexName(long index, long perEntity) {
        int width = Long.toString(Math.max(perEntity - 1, 0)).length();
        String digits = Long.toString(index);
        return "0".repeat(Math.max(0, width - digits.length())) + digits;
    }
}
