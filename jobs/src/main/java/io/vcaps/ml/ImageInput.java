package io.vcaps.ml;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.images.ImageDecoder;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where a table's images are, resolved once against its schema on the driver: the image column, what kind of image
 * it holds ({@link Format}), the shape columns of vcaps pixels, and a column that names a row in messages.
 */
final class ImageInput implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What the image column holds. */
    enum Format {
        /** Spark's image struct. */
        IMAGE,
        /** Encoded image files: binaryFile's {@code content}. */
        ENCODED,
        /** vcaps pixels (uint8 HWC) with height, width and channels columns. */
        PIXELS;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Format format;
    private final int column;
    private final int height;
    private final int width;
    private final int channels;
    /** The column naming a row, or -1; {@link #nameInStruct} when it is the image struct's origin. */
    private final int name;
    private final boolean nameInStruct;
    private final ImageShape target;
    private final long maxPixels;
    private final long maxBytes;
    private transient ImageDecoder decoder;

    private ImageInput(Format format, int column, int[] shape, int name, boolean nameInStruct, ImageShape target,
            long maxPixels, long maxBytes) {
        this.format = format;
        this.column = column;
        this.height = shape[0];
        this.width = shape[1];
        this.channels = shape[2];
        this.name = name;
        this.nameInStruct = nameInStruct;
        this.target = target;
        this.maxPixels = maxPixels;
        this.maxBytes = maxBytes;
    }

    /**
     * The images of {@code schema}'s column {@code inputCol} in {@code format} ({@code auto}: a struct is Spark's
     * image, binary is vcaps pixels when the shape columns are there and encoded files otherwise).
     *
     * @throws IllegalArgumentException naming the column when the schema does not have what the format needs
     */
    static ImageInput resolve(StructType schema, String inputCol, String format, String[] shapeCols, String idCol,
            ImageShape target, long maxPixels, long maxBytes) {
        StructField field = field(schema, inputCol, "input");
        DataType type = field.dataType();
        Format resolved;
        if (format.equals("auto")) {
            if (type instanceof StructType) {
                resolved = Format.IMAGE;
            } else if (type.equals(DataTypes.BinaryType)) {
                resolved = Arrays.stream(shapeCols).allMatch(c -> Arrays.asList(schema.fieldNames()).contains(c))
                        ? Format.PIXELS : Format.ENCODED;
            } else {
                throw new IllegalArgumentException("the input column '" + inputCol + "' is " + type.simpleString()
                        + ": expected Spark's image struct or binary (encoded files or vcaps pixels)");
            }
        } else {
            resolved = Format.valueOf(format.toUpperCase(Locale.ROOT));
        }
        int[] shape = {-1, -1, -1};
        if (resolved == Format.IMAGE) {
            requireImageStruct(inputCol, type);
        } else if (!type.equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("the input column '" + inputCol + "' is " + type.simpleString()
                    + ": " + resolved.key() + " input must be binary");
        }
        if (resolved == Format.PIXELS) {
            for (int i = 0; i < 3; i++) {
                StructField f = field(schema, shapeCols[i], "shape");
                if (!f.dataType().equals(DataTypes.IntegerType)) {
                    throw new IllegalArgumentException("the shape column '" + shapeCols[i] + "' is "
                            + f.dataType().simpleString() + ", not int");
                }
                shape[i] = schema.fieldIndex(shapeCols[i]);
            }
        }
        int column = schema.fieldIndex(inputCol);
        boolean hasId = Arrays.asList(schema.fieldNames()).contains(idCol);
        boolean hasPath = Arrays.asList(schema.fieldNames()).contains("path");
        int name = hasId ? schema.fieldIndex(idCol) : resolved == Format.IMAGE ? column
                : hasPath ? schema.fieldIndex("path") : -1;
        return new ImageInput(resolved, column, shape, name, !hasId && resolved == Format.IMAGE, target, maxPixels,
                maxBytes);
    }

    private static StructField field(StructType schema, String column, String what) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("the " + what + " column '" + column + "' is not in the data (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        return schema.apply(column);
    }

    private static void requireImageStruct(String inputCol, DataType type) {
        if (!(type instanceof StructType struct)
                || !Arrays.asList(struct.fieldNames()).containsAll(Arrays.asList("height", "width", "nChannels",
                        "data"))) {
            throw new IllegalArgumentException("the input column '" + inputCol + "' is " + type.simpleString()
                    + ": Spark's image struct has height, width, nChannels and data");
        }
    }

    Format format() {
        return format;
    }

    /** {@code row}'s image in the model's shape, uint8 HWC. */
    byte[] pixels(Row row) throws InvalidImage {
        if (row.isNullAt(column)) {
            throw new InvalidImage("missing", "is null");
        }
        return switch (format) {
            case IMAGE -> ImageConversion.fromSparkImage(row.getStruct(column), target);
            case ENCODED -> ImageConversion.fromEncoded((byte[]) row.get(column), decoder(), maxBytes, target);
            case PIXELS -> {
                if (row.isNullAt(height) || row.isNullAt(width) || row.isNullAt(channels)) {
                    throw new InvalidImage("bad_shape", "has a null shape column");
                }
                yield ImageConversion.fromPixels((byte[]) row.get(column), row.getInt(height), row.getInt(width),
                        row.getInt(channels), target);
            }
        };
    }

    private ImageDecoder decoder() {
        if (decoder == null) {
            decoder = new ImageDecoder(maxPixels);
        }
        return decoder;
    }

    /** How messages name {@code row}: its id, origin or path, else nothing better than "a row". */
    String name(Row row) {
        if (name < 0 || row.isNullAt(name)) {
            return "(a row without " + (format == Format.IMAGE ? "origin" : "id") + ")";
        }
        if (nameInStruct) {
            Row image = row.getStruct(name);
            int origin = Arrays.asList(image.schema().fieldNames()).indexOf("origin");
            return origin < 0 || image.isNullAt(origin) ? "(a row without origin)" : image.getString(origin);
        }
        return String.valueOf(row.get(name));
    }
}
