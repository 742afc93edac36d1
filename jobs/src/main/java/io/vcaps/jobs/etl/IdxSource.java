package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.dataset.RejectReason;
import io.vcaps.images.PixelConverter;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * MNIST-format IDX files: {@code train-images-idx3-ubyte} with {@code train-labels-idx1-ubyte} (split
 * train) and {@code t10k-images-idx3-ubyte} with {@code t10k-labels-idx1-ubyte} (split test), each
 * optionally gzipped ({@code .gz}). Headers are read on the driver; the records are cut into slices
 * that executor tasks read with positioned reads (gzipped files: by decompressing up to the slice).
 * Records missing from a short file are rejected one by one.
 */
final class IdxSource {
    private static final String[][] PAIRS = {
        {"train", DatasetSchema.TRAIN},
        {"t10k", DatasetSchema.TEST},
    };
    /** Slices are cut so that no task holds more than this many bytes of records. */
    private static final long MAX_SLICE_BYTES = 64L << 20;
    private static final String[] LABEL_NAMES = new String[256];

    static {
        for (int i = 0; i < LABEL_NAMES.length; i++) {
            LABEL_NAMES[i] = Integer.toString(i);
        }
    }

    /** One images file with its labels file. */
    record Pair(String split, Path images, IdxHeader imagesHeader, Path labels,
            IdxHeader labelsHeader) implements Serializable {
    }

    /** A range of records of one pair, read by one task. */
    record Slice(String split, String images, int imagesHeaderBytes, long recordBytes, String labels,
            int labelsHeaderBytes,
                 int start, int end, int idDigits, int height, int width, int channels) implements Serializable {
    }

    private final List<Pair> pairs;

    private IdxSource(List<Pair> pairs) {
        this.pairs = pairs;
    }

    /** Finds the IDX files in {@code input} and reads their headers; any problem is a {@link JobFailure}. */
    public static IdxSource open(Configuration conf, String input, long maxPixels) throws IOException {
        Path root = new Path(input);
        FileSystem fs = root.getFileSystem(conf);
        root = fs.makeQualified(root);
        if (!fs.getFileStatus(root).isDirectory()) {
            throw new JobFailure("IDX input must be a folder holding train-*/t10k-* IDX files: " + root);
        }
        List<Pair> pairs = new ArrayList<>();
        for (String[] pair : PAIRS) {
            Path images = find(fs, root, pair[0] + "-images-idx3-ubyte");
            Path labels = find(fs, root, pair[0] + "-labels-idx1-ubyte");
            if (images == null && labels == null) {
                continue;
            }
            if (images == null || labels == null) {
                throw new JobFailure("IDX input " + root + " has " + (images == null ? labels : images).getName()
                        + " but no " + pair[0] + (images == null ? "-images-idx3-ubyte" : "-labels-idx1-ubyte")
                        + "[.gz]");
            }
            IdxHeader imagesHeader = header(fs, images);
            IdxHeader labelsHeader = header(fs, labels);
            checkPair(images, imagesHeader, labels, labelsHeader, maxPixels);
            pairs.add(new Pair(pair[1], images, imagesHeader, labels, labelsHeader));
        }
        if (pairs.isEmpty()) {
            throw new JobFailure("no IDX files in " + root
                    + ": expected train-images-idx3-ubyte with train-labels-idx1-ubyte"
                    + " and/or t10k-images-idx3-ubyte with t10k-labels-idx1-ubyte (optionally .gz)");
        }
        return new IdxSource(pairs);
    }

    private static Path find(FileSystem fs, Path root, String name) throws IOException {
        // Some copies of MNIST spell the names with a dot: train-images.idx3-ubyte.
        String dotted = name.replace("-idx", ".idx");
        for (String candidate : new String[] {name, name + ".gz", dotted, dotted + ".gz"}) {
            Path path = new Path(root, candidate);
            if (fs.exists(path)) {
                return path;
            }
        }
        return null;
    }

    private static IdxHeader header(FileSystem fs, Path file) {
        try (InputStream in = open(fs, file)) {
            return IdxHeader.read(in);
        } catch (IOException e) {
            throw new JobFailure("unreadable IDX header in " + file + ": " + e.getMessage(), e);
        }
    }

    private static void checkPair(Path images, IdxHeader imagesHeader, Path labels, IdxHeader labelsHeader,
            long maxPixels) {
        int rank = imagesHeader.dims().length;
        if (rank != 3 && rank != 4) {
            throw new JobFailure("unreadable IDX header in " + images
                    + ": images need 3 dimensions (count, rows, columns)"
                    + " or 4 (count, rows, columns, channels), found " + imagesHeader);
        }
        if (rank == 4 && imagesHeader.dims()[3] != 1 && imagesHeader.dims()[3] != 3) {
            throw new JobFailure("unreadable IDX header in " + images + ": images must have 1 or 3 channels, found "
                    + imagesHeader);
        }
        if (imagesHeader.recordBytes() > maxPixels * (rank == 4 ? imagesHeader.dims()[3] : 1)) {
            throw new JobFailure("unreadable IDX header in " + images + ": images of " + imagesHeader
                    + " exceed the limit of " + maxPixels + " pixels");
        }
        if (labelsHeader.dims().length != 1) {
            throw new JobFailure("unreadable IDX header in " + labels + ": labels need 1 dimension, found "
                    + labelsHeader);
        }
        if (labelsHeader.count() != imagesHeader.count()) {
            throw new JobFailure("IDX headers disagree: " + images + " holds " + imagesHeader.count() + " images but "
                    + labels + " holds " + labelsHeader.count() + " labels");
        }
    }

    /** Number of records the headers announce. */
    public long records() {
        return pairs.stream().mapToLong(p -> p.imagesHeader().count()).sum();
    }

    /** Reads every record on the executors, in about {@code partitions} tasks, converted to {@code target}. */
    public SourceData read(JavaSparkContext jsc, ImageShape target, int partitions) {
        List<Slice> slices = slices(Math.max(1, partitions));
        Broadcast<SerializableConfiguration> conf = jsc.broadcast(
                new SerializableConfiguration(jsc.hadoopConfiguration()));
        JavaRDD<Outcome> outcomes = jsc.parallelize(slices, slices.size())
                .flatMap(slice -> readSlice(conf.value().value(), slice, target).iterator());
        return new SourceData(outcomes, null, false, "files");
    }

    List<Slice> slices(int partitions) {
        long total = Math.max(1, records());
        List<Slice> slices = new ArrayList<>();
        for (Pair pair : pairs) {
            int count = pair.imagesHeader().count();
            long recordBytes = pair.imagesHeader().recordBytes();
            long byShare = Math.round((double) partitions * count / total);
            long bySize = (count * recordBytes + MAX_SLICE_BYTES - 1) / MAX_SLICE_BYTES;
            int pieces = (int) Math.max(1, Math.min(count, Math.max(byShare, bySize)));
            int[] dims = pair.imagesHeader().dims();
            int idDigits = Math.max(6, Integer.toString(Math.max(0, count - 1)).length());
            for (int i = 0; i < pieces; i++) {
                int start = (int) ((long) count * i / pieces);
                int end = (int) ((long) count * (i + 1) / pieces);
                slices.add(new Slice(pair.split(), pair.images().toString(), pair.imagesHeader().headerBytes(),
                        recordBytes,
                        pair.labels().toString(), pair.labelsHeader().headerBytes(), start, end, idDigits,
                        dims[1], dims[2], dims.length == 4 ? dims[3] : 1));
            }
        }
        return slices;
    }

    /** Reads one slice: a record whose bytes or label cannot be read becomes a reject, the others images. */
    static List<Outcome> readSlice(Configuration conf, Slice slice, ImageShape target) throws IOException {
        int n = slice.end() - slice.start();
        List<Outcome> out = new ArrayList<>(n);
        Path imagesPath = new Path(slice.images());
        Path labelsPath = new Path(slice.labels());
        FileSystem fs = imagesPath.getFileSystem(conf);
        byte[] labels = new byte[n];
        int labelled;
        RejectReason labelsReason = RejectReason.TRUNCATED_RECORD;
        String labelsProblem = "the labels file " + labelsPath.getName() + " ends before this record";
        try (InputStream in = positioned(fs, labelsPath, slice.labelsHeaderBytes() + (long) slice.start(), 1 << 16)) {
            labelled = in.readNBytes(labels, 0, n);
        } catch (EOFException e) {
            labelled = 0;
        } catch (IOException e) {
            labelled = 0;
            labelsReason = RejectReason.READ_ERROR;
            labelsProblem = "reading " + labelsPath.getName() + " failed: " + e;
        }
        boolean sameShape = slice.height() == target.height() && slice.width() == target.width()
                && slice.channels() == target.channels();
        int recordBytes = (int) slice.recordBytes();
        try (InputStream in = positioned(fs, imagesPath, slice.imagesHeaderBytes()
                + slice.start() * slice.recordBytes(), 1 << 20)) {
            for (int i = 0; i < n; i++) {
                int index = slice.start() + i;
                byte[] pixels = new byte[recordBytes];
                if (in.readNBytes(pixels, 0, recordBytes) < recordBytes) {
                    rejectRest(out, slice, RejectReason.TRUNCATED_RECORD, "the images file " + imagesPath.getName()
                            + " ends before this record");
                    break;
                }
                if (i >= labelled) {
                    out.add(Reject.of(labelsReason, slice.labels() + "#" + index, labelsProblem));
                } else {
                    int label = labels[i] & 0xff;
                    byte[] converted = sameShape ? pixels
                            : PixelConverter.convert(pixels, slice.height(), slice.width(), slice.channels(), target);
                    out.add(new ImageRecord(id(slice, index), slice.split(), label, LABEL_NAMES[label],
                            new int[] {label},
                            target.height(), target.width(), target.channels(), converted));
                }
            }
        } catch (EOFException e) {
            // A gzipped file that ends while skipping to the slice, or mid-record.
            rejectRest(out, slice, RejectReason.TRUNCATED_RECORD, "the images file " + imagesPath.getName()
                    + " ends before this record");
        } catch (IOException e) {
            rejectRest(out, slice, RejectReason.READ_ERROR, "reading " + imagesPath.getName() + " failed: " + e);
        }
        return out;
    }

    private static void rejectRest(List<Outcome> out, Slice slice, RejectReason reason, String detail) {
        // Records already taken from this slice stay; the rest of the slice is rejected.
        for (int index = slice.start() + out.size(); index < slice.end(); index++) {
            out.add(Reject.of(reason, slice.images() + "#" + index, detail));
        }
    }

    private static String id(Slice slice, int index) {
        String number = Integer.toString(index);
        StringBuilder id = new StringBuilder(slice.split().length() + 1
                + slice.idDigits()).append(slice.split()).append('-');
        for (int pad = slice.idDigits() - number.length(); pad > 0; pad--) {
            id.append('0');
        }
        return id.append(number).toString();
    }

    private static InputStream open(FileSystem fs, Path file) throws IOException {
        InputStream in = fs.open(file);
        return file.getName().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
    }

    /** {@code file} read from byte {@code position} of its (decompressed) content. */
    private static InputStream positioned(FileSystem fs, Path file, long position, int buffer) throws IOException {
        FSDataInputStream raw = fs.open(file);
        try {
            if (file.getName().endsWith(".gz")) {
                InputStream in = new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), buffer);
                in.skipNBytes(position);
                return in;
            }
            raw.seek(Math.min(position, fs.getFileStatus(file).getLen()));
            return new BufferedInputStream(raw, buffer);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }
}
