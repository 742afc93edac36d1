package io.vcaps.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

/**
 * An output directory that appears complete or not at all. A job writes into {@link #staging()}, a
 * hidden sibling of the output, and {@link #commit()} renames it into place through Hadoop's
 * FileSystem API, so it works for any Hadoop URI. Closing without a commit deletes the staging
 * directory; an existing output is replaced only at the commit. The rename is atomic on HDFS and local
 * disks. On an object store ({@link ObjectStores}) it would be a copy of every object, so there the job
 * writes in place: {@link #staging()} is the output itself, and closing without a commit deletes what
 * the job wrote. In place no swap can keep an old output until the new one is whole, so an existing
 * output is refused there even in overwrite mode: a job that fails never leaves less than it found.
 * Spark's cloud committers make the Parquet files appear at job commit (docs/OPERATIONS.md, "Object
 * stores"). Every output is checked against the job's inputs first ({@link SeparatePaths}).
 */
public final class CommittedOutput implements AutoCloseable {
    private final FileSystem fs;
    private final Path target;
    private final Path staging;
    private final OutputMode mode;
    private final boolean inPlace;
    private boolean committed;

    private CommittedOutput(FileSystem fs, Path target, Path staging, OutputMode mode, boolean inPlace) {
        this.fs = fs;
        this.target = target;
        this.staging = staging;
        this.mode = mode;
        this.inPlace = inPlace;
    }

    /**
     * Starts an output at {@code output}. Fails at once, before any work and before anything is deleted,
     * when it is, contains or lies inside one of {@code inputs}, when it exists and the mode is not
     * {@link OutputMode#OVERWRITE}, or when it exists where it would be written in place.
     */
    public static CommittedOutput begin(Configuration conf, String output, OutputMode mode,
            List<SeparatePaths.Input> inputs) throws IOException {
        SeparatePaths.check(conf, output, inputs);
        Path path = new Path(output);
        FileSystem fs = path.getFileSystem(conf);
        Path target = fs.makeQualified(path);
        if (target.getParent() == null) {
            throw new JobFailure("output cannot be the root of a filesystem: " + target);
        }
        if (mode != OutputMode.OVERWRITE && fs.exists(target)) {
            throw new JobFailure("output already exists: " + target + " (use --mode overwrite to replace it)");
        }
        if (ObjectStores.writesInPlace(conf, target)) {
            if (fs.exists(target)) {
                throw new JobFailure("output " + target + " exists and is written in place (its scheme is in "
                        + ObjectStores.SCHEMES + "), where the old output cannot be kept until the new one is"
                        + " complete; delete it first, or choose another path");
            }
            return new CommittedOutput(fs, target, target, mode, true);
        }
        return new CommittedOutput(fs, target, sibling(target, "staging"), mode, false);
    }

    private static Path sibling(Path target, String purpose) {
        // A leading dot keeps Spark and Hadoop from listing it as data of the parent directory.
        return new Path(target.getParent(), "." + target.getName() + ".vcaps-" + purpose + "-" + UUID.randomUUID());
    }

    /** The qualified output path. */
    public Path target() {
        return target;
    }

    /** Where the job writes (the output itself on an object store); it does not exist until the job creates it. */
    public Path staging() {
        return staging;
    }

    /** The filesystem of the output. */
    public FileSystem fileSystem() {
        return fs;
    }

    /** Moves the staged output into place, replacing an existing one in overwrite mode. */
    public void commit() throws IOException {
        if (committed) {
            return;
        }
        if (!fs.exists(staging)) {
            throw new IllegalStateException("nothing was written to " + staging);
        }
        if (inPlace) {
            committed = true;
            return;
        }
        Path previous = null;
        if (fs.exists(target)) {
            if (mode != OutputMode.OVERWRITE) {
                throw new JobFailure("output appeared while the job ran: " + target
                        + " (use --mode overwrite to replace it)");
            }
            previous = sibling(target, "previous");
            if (!fs.rename(target, previous)) {
                throw new IOException("could not move the existing output " + target + " aside to " + previous);
            }
        }
        if (!fs.rename(staging, target)) {
            if (previous != null) {
                fs.rename(previous, target);
            }
            throw new IOException("could not rename " + staging + " to " + target);
        }
        committed = true;
        if (previous != null) {
            fs.delete(previous, true);
        }
    }

    /** Deletes the staging directory (in place: the output) unless the output was committed. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            fs.delete(staging, true);
        }
    }
}
