package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.dataset.RejectReason;
import io.vcaps.dataset.Splits;
import io.vcaps.images.ImageDecoder;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A folder of images with a CelebA-style attribute file ({@link AttributeTable}) giving multi-label
 * targets: the entities are the attributes, an image's labels the attributes marked +1. The
 * attribute file is parsed on the driver and broadcast; images are read and decoded on the
 * executors. Rows naming files that are not there and files without a row are rejected. The split
 * is the top folder when the input has both {@code train/} and {@code test/} folders (files elsewhere are
 * rejected), else by a hash of the id ({@link Splits}), the file's path relative to the folder.
 */
final class AttributeSource {
    private final Path root;
    private final Path attributesFile;
    private final AttributeTable table;
    private final boolean splitFolders;

    private AttributeSource(Path root, Path attributesFile, AttributeTable table, boolean splitFolders) {
        this.root = root;
        this.attributesFile = attributesFile;
        this.table = table;
        this.splitFolders = splitFolders;
    }

    /** Reads the attribute file; checks the image folder. */
    public static AttributeSource open(Configuration conf, String input, String attributes) throws IOException {
        Path root = new Path(input);
        FileSystem fs = root.getFileSystem(conf);
        root = fs.makeQualified(root);
        if (!fs.getFileStatus(root).isDirectory()) {
            throw new JobFailure("attributes input must be a folder of images: " + root);
        }
        Path file = new Path(attributes);
        FileSystem attributesFs = file.getFileSystem(conf);
        file = attributesFs.makeQualified(file);
        if (!attributesFs.exists(file)) {
            throw new JobFailure("attribute file not found: " + file);
        }
        boolean splitFolders = fs.isDirectory(new Path(root, DatasetSchema.TRAIN))
                && fs.isDirectory(new Path(root, DatasetSchema.TEST));
        return new AttributeSource(root, file, AttributeTable.read(conf, file.toString()), splitFolders);
    }

    public AttributeTable table() {
        return table;
    }

    /** Reads and converts every image on the executors; adds the rejects of the attribute file. */
    public SourceData read(SparkSession spark, ImageShape shape, double testFraction, long maxPixels, long maxFileBytes,
                           int partitions) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ImageFiles files = new ImageFiles(spark, root, maxFileBytes);
        String rootPath = files.rootPath();
        String attributesPath = attributesFile.toUri().getPath();

        Set<String> listed = new HashSet<>();
        for (String path : files.paths()) {
            listed.add(ImageFiles.relative(rootPath, path));
        }
        List<Outcome> driverRejects = new ArrayList<>(table.rejects());
        Map<String, int[]> present = new HashMap<>();
        table.rows().forEach((name, entry) -> {
            if (listed.contains(name)) {
                present.put(name, entry.present());
            } else {
                driverRejects.add(Reject.of(RejectReason.MISSING_FILE, attributesFile + ":" + entry.line(),
                        "the row names " + name + ", which is not in " + root));
            }
        });
        Broadcast<Map<String, int[]>> labels = jsc.broadcast(present);
        List<String> names = table.names();
        boolean bySplitFolder = splitFolders;

        JavaRDD<Outcome> images = files.contents(partitions)
                .filter(row -> !new Path(row.getString(0)).toUri().getPath().equals(attributesPath))
                .mapPartitions(rows -> {
                    ImageDecoder decoder = new ImageDecoder(maxPixels);
                    Map<String, int[]> byName = labels.value();
                    return ImageFiles.lazily(rows, row -> {
                        String path = row.getString(0);
                        String id = ImageFiles.relative(rootPath, path);
                        int[] on = byName.get(id);
                        if (on == null) {
                            return Reject.of(RejectReason.UNLABELLED, path, "the attribute file has no valid row for "
                                    + id);
                        }
                        String split = bySplitFolder ? id.substring(0, Math.max(0, id.indexOf('/')))
                                : Splits.byHash(id, testFraction);
                        if (!split.equals(DatasetSchema.TRAIN) && !split.equals(DatasetSchema.TEST)) {
                            return Reject.of(RejectReason.UNKNOWN_SPLIT, path, "the file is not under train/ or test/");
                        }
                        return ImageFiles.toImage(decoder, shape, path, (byte[]) row.get(1), id, split, -1,
                                labelName(names, on), on);
                    });
                });
        JavaRDD<Outcome> all = images.union(files.listingRejects()).union(jsc.parallelize(driverRejects, 1));
        return new SourceData(all, names, true, splitFolders ? "folders" : "hash");
    }

    private static String labelName(List<String> names, int[] present) {
        StringBuilder joined = new StringBuilder();
        for (int i : present) {
            if (joined.length() > 0) {
                joined.append('|');
            }
            joined.append(names.get(i));
        }
        return joined.toString();
    }
}
