package io.vcaps.jobs.etl;

import io.vcaps.dataset.DatasetSchema;
import io.vcaps.spark.JobFailure;

import java.awt.image.BufferedImage;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A folder that the attributes source reads with its split from folders: {@code OUTPUT/train/NNNNNN.png},
 * {@code OUTPUT/test/NNNNNN.png} and {@code OUTPUT/attributes.txt} (the row count, the attribute names, then a
 * row per image: its path and +1 or -1 per attribute), as the generators of data write it.
 */
final class AttributeFolder implements Closeable {
    /** The attribute file inside the folder. */
    static final String ATTRIBUTES = "attributes.txt";

    private final Path output;
    private final int attributes;
    private final Writer rows;

    private AttributeFolder(Path output, int attributes, Writer rows) {
        this.output = output;
        this.attributes = attributes;
        this.rows = rows;
    }

    /** Starts {@code output}, which must not exist or be empty, for {@code images} images of {@code names}. */
    static AttributeFolder create(Path output, List<String> names, int images) throws IOException {
        refuseUsed(output);
        Files.createDirectories(output.resolve(DatasetSchema.TRAIN));
        Files.createDirectories(output.resolve(DatasetSchema.TEST));
        Writer rows = Files.newBufferedWriter(output.resolve(ATTRIBUTES), StandardCharsets.UTF_8);
        rows.write(images + "\n" + String.join(" ", names) + "\n");
        return new AttributeFolder(output, names.size(), rows);
    }

    /** Fails unless {@code output} is absent or an empty folder: checked before any work, and again at the start. */
    static void refuseUsed(Path output) throws IOException {
        if (Files.isDirectory(output)) {
            try (Stream<Path> entries = Files.list(output)) {
                if (entries.findAny().isPresent()) {
                    throw new JobFailure("--output " + output + " exists and is not empty; choose a new folder");
                }
            }
        } else if (Files.exists(output)) {
            throw new JobFailure("--output " + output + " is a file; choose a new folder");
        }
    }

    /** Writes image {@code n} of {@code split} (named with at least six digits) and its row. */
    void add(String split, int n, BufferedImage image, boolean[] present) throws IOException {
        if (present.length != attributes) {
            throw new IllegalArgumentException(present.length + " attribute values for " + attributes + " attributes");
        }
        String name = split + "/" + String.format("%06d.png", n);
        if (!ImageIO.write(image, "png", output.resolve(name).toFile())) {
            throw new IOException("no PNG writer in this JVM");
        }
        StringBuilder row = new StringBuilder(name);
        for (boolean on : present) {
            row.append(on ? "  1" : " -1");
        }
        rows.write(row.append('\n').toString());
    }

    @Override
    public void close() throws IOException {
        rows.close();
    }
}
