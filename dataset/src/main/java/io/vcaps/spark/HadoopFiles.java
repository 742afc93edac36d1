package io.vcaps.spark;

import org.apache.commons.io.IOUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The one helper for files on any Hadoop file system: small files read and written whole, the files a job writes
 * beside its Parquet rows (reports, pictures), reading those rows back while they are still in the hidden staging
 * folder, and renaming a file or folder written under a hidden name into place (or, on object stores, writing it
 * in place: {@link ObjectStores}).
 */
public final class HadoopFiles {
    private HadoopFiles() {
    }

    /**
     * A private file system instance that writes no {@code .crc} side files (the local file system's checksums), so
     * a folder of pictures holds only pictures; the caller closes it. The shared cached instance is left as it is.
     */
    public static FileSystem plain(Configuration conf, Path under) throws IOException {
        FileSystem fs = FileSystem.newInstance(under.toUri(), conf);
        fs.setWriteChecksum(false);
        return fs;
    }

    public static boolean exists(Configuration conf, Path path) throws IOException {
        return path.getFileSystem(conf).exists(path);
    }

    public static boolean isDirectory(Configuration conf, Path path) throws IOException {
        return isDirectory(path.getFileSystem(conf), path);
    }

    private static boolean isDirectory(FileSystem fs, Path path) throws IOException {
        return fs.exists(path) && fs.getFileStatus(path).isDirectory();
    }

    /** The whole of {@code file}. */
    public static byte[] read(Configuration conf, Path file) throws IOException {
        try (InputStream in = file.getFileSystem(conf).open(file)) {
            return IOUtils.toByteArray(in);
        }
    }

    /** Writes a file or folder at a path it is given. */
    @FunctionalInterface
    public interface StagingWriter {
        void write(Path staging) throws IOException;
    }

    /** Writes a file's bytes to a stream. */
    @FunctionalInterface
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Creates or replaces {@code file} with what {@code writer} writes. When the writer fails, the upload of an
     * object store that can abort one is aborted (the previous object stays), and otherwise the part written is
     * deleted: closing the stream would publish it.
     */
    public static void create(FileSystem fs, Path file, StreamWriter writer) throws IOException {
        FSDataOutputStream out = fs.create(file, true);
        try {
            writer.write(out);
        } catch (IOException | RuntimeException e) {
            if (out.hasCapability(StreamCapabilities.ABORTABLE_STREAM)) {
                out.abort();
            } else {
                out.close();
                fs.delete(file, false);
            }
            throw e;
        }
        out.close();
    }

    /**
     * Writes {@code staging} (a hidden name beside {@code target}, file or folder) and renames it to {@code target},
     * replacing what is there, so that readers see the old or the new, never a torn write; {@code staging} is gone
     * afterwards whether or not the write succeeded. {@code inPlace} (an object store, {@link ObjectStores}): the
     * writer writes {@code target} itself, an old folder there deleted first and a half-written one afterwards; a
     * file is as whole as {@link #create} makes it.
     */
    public static void writeIntoPlace(FileSystem fs, boolean inPlace, Path staging, Path target,
            StagingWriter writer) throws IOException {
        if (inPlace) {
            if (isDirectory(fs, target)) {
                fs.delete(target, true);
            }
            try {
                writer.write(target);
            } catch (IOException | RuntimeException e) {
                if (isDirectory(fs, target)) {
                    fs.delete(target, true);
                }
                throw e;
            }
            return;
        }
        try {
            writer.write(staging);
            if (fs.exists(target)) {
                fs.delete(target, true);
            }
            if (!fs.rename(staging, target)) {
                throw new IOException("could not rename " + staging + " to " + target);
            }
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        }
    }

    /** Writes {@code bytes} to {@code file}, replacing it. */
    public static void write(Configuration conf, Path file, byte[] bytes) throws IOException {
        try (FileSystem fs = plain(conf, file); OutputStream out = folder(fs,
                file.getParent()).create(file.getName())) {
            out.write(bytes);
        }
    }

    /** {@code dir}, created with its missing parents, to write files into. */
    public static Folder folder(FileSystem fs, Path dir) throws IOException {
        if (fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem) {
            java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(dir).toUri());
            java.nio.file.Files.createDirectories(local);
            return new Folder(fs, dir, local);
        }
        return new Folder(fs, dir, null);
    }

    /**
     * A folder that files are created (or replaced) in. On the local file system through java.nio, resolved once:
     * Hadoop's local {@code create} takes about 3 ms a file without Hadoop's native library (permission and status
     * calls), ten times java.nio, and parsing a Hadoop path per file cost {@code generate --images png} another 7 %.
     */
    public static final class Folder {
        private final FileSystem fs;
        private final Path dir;
        private final java.nio.file.Path local;

        private Folder(FileSystem fs, Path dir, java.nio.file.Path local) {
            this.fs = fs;
            this.dir = dir;
            this.local = local;
        }

        public OutputStream create(String name) throws IOException {
            return local != null ? java.nio.file.Files.newOutputStream(local.resolve(name))
                    : fs.create(new Path(dir, name), true);
        }
    }

    /**
     * The Parquet rows Spark wrote into {@code dir}, read by their file names: Spark ignores a folder whose name
     * starts with a dot, such as the staging folder, with a warning, but not files named inside it.
     */
    public static Dataset<Row> parquet(SparkSession spark, Path dir) throws IOException {
        FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
        List<String> files = new ArrayList<>();
        for (FileStatus status : fs.listStatus(dir, p -> p.getName().startsWith("part-"))) {
            files.add(status.getPath().toString());
        }
        if (files.isEmpty()) {
            throw new IOException("no Parquet part files in " + dir);
        }
        return spark.read().parquet(files.toArray(new String[0]));
    }
}
