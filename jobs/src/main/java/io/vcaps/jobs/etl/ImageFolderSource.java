package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.EntityNames;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.dataset.RejectReason;
import io.vcaps.dataset.Splits;
import io.vcaps.images.ImageDecoder;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A folder with one sub-folder of images per class ({@code root/<class>/...}), or the same under
 * {@code root/train/} and {@code root/test/} to give the split. Classes are the sub-folder names,
 * sorted; the label is the index in that order. Without train/ and test/ the split is by a hash of
 * the id ({@link Splits}). Images may lie at any depth under their class folder; the id is the path
 * relative to the root.
 */
final class ImageFolderSource {
    private final Path root;
    private final List<String> classes;
    private final boolean splitFolders;

    private ImageFolderSource(Path root, List<String> classes, boolean splitFolders) {
        this.root = root;
        this.classes = classes;
        this.splitFolders = splitFolders;
    }

    /** Lists the class folders of {@code input}. */
    public static ImageFolderSource open(Configuration conf, String input) throws IOException {
        Path root = new Path(input);
        FileSystem fs = root.getFileSystem(conf);
        root = fs.makeQualified(root);
        if (!fs.getFileStatus(root).isDirectory()) {
            throw new JobFailure("folders input must be a folder with one sub-folder per class: " + root);
        }
        List<String> top = folders(fs, root);
        boolean splitFolders = top.contains(DatasetSchema.TRAIN) && top.contains(DatasetSchema.TEST);
        TreeSet<String> classes = new TreeSet<>();
        if (splitFolders) {
            classes.addAll(folders(fs, new Path(root, DatasetSchema.TRAIN)));
            classes.addAll(folders(fs, new Path(root, DatasetSchema.TEST)));
        } else {
            classes.addAll(top);
        }
        if (classes.isEmpty()) {
            throw new JobFailure("no class folders in " + root + (splitFolders ? "/train or " + root + "/test" : "")
                    + ": expected one sub-folder of images per class");
        }
        String badName = EntityNames.problem(new ArrayList<>(classes), "class folder");
        if (badName != null) {
            throw new JobFailure("folders input " + root + ": " + badName + "; class folders become entity names,"
                    + " which name files and bundle entries: rename the folder (docs/DATA.md, \"Entity names\")");
        }
        return new ImageFolderSource(root, new ArrayList<>(classes), splitFolders);
    }

    private static List<String> folders(FileSystem fs, Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus status : fs.listStatus(dir)) {
            String name = status.getPath().getName();
            if (status.isDirectory() && !name.startsWith(".") && !name.startsWith("_")) {
                names.add(name);
            }
        }
        return names;
    }

    /** The class names, in label order. */
    public List<String> classes() {
        return classes;
    }

    /** Whether the split comes from train/ and test/ folders. */
    public boolean splitFolders() {
        return splitFolders;
    }

    /** Reads and converts every file on the executors. */
    public SourceData read(SparkSession spark, ImageShape shape, double testFraction, long maxPixels, long maxFileBytes,
                           int partitions) throws IOException {
        ImageFiles files = new ImageFiles(spark, root, maxFileBytes);
        String rootPath = files.rootPath();
        Map<String, Integer> labels = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            labels.put(classes.get(i), i);
        }
        boolean bySplitFolder = splitFolders;
        JavaRDD<Outcome> images = files.contents(partitions).mapPartitions(rows -> {
            ImageDecoder decoder = new ImageDecoder(maxPixels);
            return ImageFiles.lazily(rows, row -> convert(decoder, shape, row.getString(0),
                    ImageFiles.relative(rootPath, row.getString(0)), (byte[]) row.get(1), labels, bySplitFolder,
                            testFraction));
        });
        return new SourceData(images.union(files.listingRejects()), classes, false, splitFolders ? "folders" : "hash");
    }

    private static Outcome convert(ImageDecoder decoder, ImageShape shape, String path, String id, byte[] content,
                                   Map<String, Integer> labels, boolean splitFolders, double testFraction) {
        String[] parts = id.split("/");
        String split;
        int classPart = 0;
        if (splitFolders) {
            split = parts[0];
            if (!split.equals(DatasetSchema.TRAIN) && !split.equals(DatasetSchema.TEST)) {
                return Reject.of(RejectReason.UNKNOWN_SPLIT, path, "the file is not under train/ or test/");
            }
            classPart = 1;
        } else {
            split = Splits.byHash(id, testFraction);
        }
        if (parts.length < classPart + 2) {
            return Reject.of(RejectReason.NO_CLASS, path, "the file is not inside a class folder");
        }
        String name = parts[classPart];
        Integer label = labels.get(name);
        if (label == null) {
            return Reject.of(RejectReason.NO_CLASS, path, "the folder '" + name
                    + "' was not a class when the job started");
        }
        return ImageFiles.toImage(decoder, shape, path, content, id, split, label, name, new int[] {label});
    }
}
