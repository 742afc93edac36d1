package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.RejectReason;
import io.vcaps.dataset.RejectedException;
import io.vcaps.images.ImageDecoder;
import io.vcaps.images.PixelConverter;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

import static org.apache.spark.sql.functions.col;

/**
 * The files under a root folder and their conversion to images. The driver lists them once (every file
 * at any depth; names starting with '.' or '_' are skipped, as everywhere in Spark and Hadoop): empty
 * files and files over the byte limit are rejected from the listing alone (Spark's scans leave
 * zero-byte files out), and the listing sizes the read. The other files are read in parallel through
 * Spark's {@code binaryFile} source, in a few large tasks: Spark would give small files a task per 32
 * of them, and each task its own Parquet file.
 */
final class ImageFiles {
    /** Bytes of image files per read task, beyond the requested number of tasks. */
    private static final long BYTES_PER_TASK = 64L << 20;

    private final SparkSession spark;
    private final Path root;
    private final String rootPath;
    private final long maxFileBytes;
    private final List<String> paths = new ArrayList<>();
    private final List<Outcome> rejects = new ArrayList<>();
    private long readableBytes;

    /** Lists the files under {@code root}. */
    ImageFiles(SparkSession spark, Path root, long maxFileBytes) throws IOException {
        this.spark = spark;
        this.root = root;
        String path = root.toUri().getPath();
        this.rootPath = path.endsWith("/") ? path : path + "/";
        this.maxFileBytes = maxFileBytes;
        list(root.getFileSystem(spark.sparkContext().hadoopConfiguration()), root);
    }

    private void list(FileSystem fs, Path dir) throws IOException {
        // listStatus, not listFiles: the located statuses of listFiles ask for permissions, which the local
        // filesystem answers by running a process per file.
        for (FileStatus status : fs.listStatus(dir)) {
            String name = status.getPath().getName();
            if (name.startsWith(".") || (name.startsWith("_") && !name.contains("=")) || name.endsWith("._COPYING_")) {
                continue;
            }
            if (status.isDirectory()) {
                list(fs, status.getPath());
                continue;
            }
            String file = status.getPath().toString();
            paths.add(file);
            if (status.getLen() == 0) {
                rejects.add(Reject.of(RejectReason.EMPTY_FILE, file, "the file is empty (0 bytes)"));
            } else if (status.getLen() > maxFileBytes) {
                rejects.add(Reject.of(RejectReason.FILE_TOO_LARGE, file,
                        "the file has " + status.getLen() + " bytes, over the limit of " + maxFileBytes));
            } else {
                readableBytes += status.getLen();
            }
        }
    }

    /** {@code file} (a URI, as binaryFile gives it) relative to the root, '/'-separated. */
    static String relative(String rootPath, String file) {
        String path = new Path(file).toUri().getPath();
        return path.startsWith(rootPath) ? path.substring(rootPath.length()) : path;
    }

    /** The root's path, ending in '/', for {@link #relative}. */
    String rootPath() {
        return rootPath;
    }

    /** The URIs of all files listed. */
    List<String> paths() {
        return paths;
    }

    /** Rejects for the empty files and the files over the byte limit. */
    JavaRDD<Outcome> listingRejects() {
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rejects, 1);
    }

    /**
     * The other files (path URI, content), in {@code partitions} tasks, or more when they hold over
     * 64 MiB per task.
     */
    JavaRDD<Row> contents(int partitions) {
        int tasks = (int) Math.max(partitions,
                Math.min(Integer.MAX_VALUE, (readableBytes + BYTES_PER_TASK - 1) / BYTES_PER_TASK));
        // The length filter is applied to the listing, before content is read.
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(root.toString())
                .filter(col("length").gt(0).and(col("length").leq(maxFileBytes)))
                .select("path", "content")
                .javaRDD()
                .coalesce(tasks);
    }

    /** {@code rows} mapped by {@code convert} one at a time, so a partition's images are never all in memory. */
    static <T> Iterator<Outcome> lazily(Iterator<T> rows, Function<T, Outcome> convert) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Outcome next() {
                return convert.apply(rows.next());
            }
        };
    }

    /** Decodes {@code content} and converts it to {@code shape}; a reject naming {@code path} if that fails. */
    static Outcome toImage(ImageDecoder decoder, ImageShape shape, String path, byte[] content,
                           String id, String split, int label, String labelName, int[] labels) {
        try {
            byte[] pixels = PixelConverter.convert(decoder.decode(content), shape);
            return new ImageRecord(id, split, label, labelName, labels, shape.height(), shape.width(), shape.channels(),
                    pixels);
        } catch (RejectedException e) {
            return Reject.of(e, path);
        }
    }
}
