package io.vcaps.ml;

import io.vcaps.core.vcn.Classification;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.Pixels;
import io.vcaps.images.ImageDecoder;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link VcapsModel} as a SQL function: {@code SELECT vcaps_classify(image) FROM images} gives a struct of the
 * {@link ScoreColumns} (predicted, predicted_name, present, kl, score, unknown, reason) for Spark's image struct,
 * encoded image bytes ({@code binaryFile}'s {@code content}) or {@code struct(pixels, height, width, channels)}.
 * A SQL function sees one row at a time, so it scores images one by one: for tables, {@link VcapsModel#transform}'s
 * minibatches are faster.
 */
public final class VcapsFunctions {
    /** The name {@link #register(SparkSession, VcapsModel)} gives the function. */
    public static final String CLASSIFY = "vcaps_classify";

    private VcapsFunctions() {
    }

    /** Registers {@code vcaps_classify} in {@code spark}'s session for {@code model}. */
    public static void register(SparkSession spark, VcapsModel model) {
        register(spark, CLASSIFY, model);
    }

    /** Registers the function under {@code name}. */
    public static void register(SparkSession spark, String name, VcapsModel model) {
        spark.udf().register(name, new Classify(model.bundleId(), model.broadcast(spark), model.shape(),
                model.getMaxPixels(), model.getMaxBytes()), ScoreColumns.schema(""));
    }

    private static final class Classify implements UDF1<Object, Row> {
        private static final long serialVersionUID = 1L;

        private final String bundleId;
        private final Broadcast<byte[]> bundle;
        private final ImageShape shape;
        private final long maxPixels;
        private final long maxBytes;

        Classify(String bundleId, Broadcast<byte[]> bundle, ImageShape shape, long maxPixels, long maxBytes) {
            this.bundleId = bundleId;
            this.bundle = bundle;
            this.shape = shape;
            this.maxPixels = maxPixels;
            this.maxBytes = maxBytes;
        }

        @Override
        public Row call(Object image) {
            Object[] values = new Object[ScoreColumns.COUNT];
            try {
                byte[] pixels = pixels(image);
                VcnModel model = ExecutorModels.get(bundleId, bundle);
                float[] x = new float[shape.pixels()];
                Pixels.toUnit(pixels, shape.pixels(), x, 0);
                Classification c = model.classify(Nd4j.create(x, new long[] {1, shape.pixels()}, DataType.FLOAT));
                ScoreColumns.values(c, 0, model.entityNames(), values, 0);
            } catch (InvalidImage e) {
                ScoreColumns.invalid(e, values, 0);
            }
            return RowFactory.create(values);
        }

        private byte[] pixels(Object image) throws InvalidImage {
            if (image == null) {
                throw new InvalidImage("missing", "is null");
            }
            if (image instanceof byte[] content) {
                return ImageConversion.fromEncoded(content, new ImageDecoder(maxPixels), maxBytes, shape);
            }
            if (image instanceof Row row && row.schema() != null) {
                List<String> fields = new ArrayList<>(Arrays.asList(row.schema().fieldNames()));
                if (fields.containsAll(List.of("height", "width", "nChannels", "data"))) {
                    return ImageConversion.fromSparkImage(row, shape);
                }
                if (fields.containsAll(List.of("pixels", "height", "width", "channels"))) {
                    return ImageConversion.fromPixels((byte[]) row.getAs("pixels"), row.<Integer>getAs("height"),
                            row.<Integer>getAs("width"), row.<Integer>getAs("channels"), shape);
                }
            }
            throw new InvalidImage("bad_input", "is not Spark's image struct, encoded image bytes or "
                    + "struct(pixels, height, width, channels)");
        }
    }
}
