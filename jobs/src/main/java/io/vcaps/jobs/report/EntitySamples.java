package io.vcaps.jobs.report;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.batch.MassSynthesis;
import io.vcaps.jobs.batch.PngImages;
import io.vcaps.jobs.batch.SynthesisSchema;
import io.vcaps.spark.JobFailure;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Samples of each entity, a strip of images per entity: drawn from the model's prior here (z_k ~ N(0, t^2 I) for the
 * entity's capsule, zeros elsewhere), or the first images of each entity in the output of {@code vcaps generate}.
 */
final class EntitySamples {
    private static final List<String> GENERATED_COLUMNS = List.of(SynthesisSchema.ENTITY, SynthesisSchema.ENTITY_NAME,
            SynthesisSchema.INDEX, SynthesisSchema.SEED, SynthesisSchema.TEMPERATURE, SynthesisSchema.HEIGHT,
            SynthesisSchema.WIDTH, SynthesisSchema.CHANNELS, SynthesisSchema.PIXELS);

    private EntitySamples() {
    }

    /** Where the samples came from, and one strip per entity. */
    record Result(String source, List<Strip> strips) {
    }

    /** One entity's samples. */
    record Strip(String entity, Figure figure) {
    }

    /** {@code perEntity} prior samples of every entity, with noise seed {@code seed} at {@code temperature}. */
    static Result synthesised(VcnModel model, int perEntity, long seed, double temperature) {
        int[][] each = java.util.stream.IntStream.range(0, model.entities()).mapToObj(k -> new int[] {k})
                .toArray(int[][]::new);
        return new Result(String.format(Locale.ROOT, "drawn from the model's prior by this report (seed %d,"
                + " temperature %s)", seed, temperature), sets(model, each, perEntity, seed, temperature, "samples-"));
    }

    /**
     * A strip of {@code perSet} samples of each of {@code sets} (ascending entity indices), exactly the set present,
     * drawn as {@code vcaps generate} draws them; the pictures' file names start with {@code prefix}.
     */
    static List<Strip> sets(VcnModel model, int[][] sets, int perSet, long seed, double temperature, String prefix) {
        List<Strip> strips = new ArrayList<>();
        for (int[] set : sets) {
            List<byte[]> images = PngImages.fromUnit(model.synthesise(set, perSet, seed, temperature, 0).images());
            strips.add(strip(prefix, set.length == 1 ? set[0] : -1, MassSynthesis.name(model, set), images,
                    model.shape()));
        }
        return strips;
    }

    /**
     * The first {@code perEntity} images (by index) of each entity in the {@code vcaps generate} output at
     * {@code path}.
     */
    static Result generated(SparkSession spark, String path, int perEntity) {
        Dataset<Row> table;
        try {
            table = spark.read().parquet(path);
        } catch (Exception e) {
            throw new JobFailure("cannot read generated images at " + path + " (the output of vcaps generate): "
                    + firstLine(e), e);
        }
        List<String> missing = new ArrayList<>(GENERATED_COLUMNS);
        missing.removeAll(Arrays.asList(table.columns()));
        if (!missing.isEmpty()) {
            throw new JobFailure("the generated images at " + path + " lack the column(s) " + missing
                    + " that vcaps generate writes");
        }
        List<Row> rows = table.where(functions.col(SynthesisSchema.INDEX).lt(perEntity))
                .select(GENERATED_COLUMNS.stream().map(functions::col).toArray(Column[]::new))
                .orderBy(SynthesisSchema.ENTITY, SynthesisSchema.ENTITY_NAME, SynthesisSchema.INDEX).collectAsList();
        if (rows.isEmpty()) {
            throw new JobFailure("the generated images at " + path + " hold no rows");
        }
        // By name: the rows of every requested set of more than one entity share entity -1.
        Map<String, List<Row>> byEntity = new LinkedHashMap<>();
        for (Row r : rows) {
            byEntity.computeIfAbsent(r.getString(1), k -> new ArrayList<>()).add(r);
        }
        List<Strip> strips = new ArrayList<>();
        for (List<Row> entity : byEntity.values()) {
            Row first = entity.get(0);
            ImageShape shape = new ImageShape(first.getInt(5), first.getInt(6), first.getInt(7));
            List<byte[]> images = new ArrayList<>();
            for (Row r : entity) {
                images.add((byte[]) r.get(8));
            }
            strips.add(strip("samples-", first.getInt(0), first.getString(1), images, shape));
        }
        Row first = rows.get(0);
        return new Result(String.format(Locale.ROOT, "the first images of each entity written by vcaps generate to %s"
                + " (seed %d, temperature %s)", path, first.getLong(3), first.getDouble(4)), strips);
    }

    private static Strip strip(String prefix, int entity, String name, List<byte[]> images, ImageShape shape) {
        byte[] png = PngImages.grid(images, Math.max(1, images.size()), shape.height(), shape.width(), shape.channels(),
                MassSynthesis.scale(shape));
        return new Strip(name, new Figure(prefix + SynthesisSchema.stem(entity, name) + ".png", png,
                images.size() + " samples of " + (entity < 0 ? "the set " : "entity ") + name));
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
