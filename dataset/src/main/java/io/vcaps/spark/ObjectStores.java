package io.vcaps.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which filesystems are object stores, where vcaps writes its outputs in place instead of staging and renaming them.
 * On HDFS and local disks a rename is one atomic metadata operation; on {@code s3a://} (and Google Cloud Storage,
 * Azure Blob Storage without a hierarchical namespace, ...) it is a copy of every object and a delete, neither atomic
 * nor cheap. There a single object is written whole or not at all (S3 PUT, a multipart upload completed at close),
 * so a file written directly to its final key is as safe as a rename is on HDFS, and a folder of them is only as
 * safe as its writer's order makes it (docs/OPERATIONS.md, "Object stores").
 */
public final class ObjectStores {

    /** Hadoop configuration key: the URI schemes written in place; {@code spark.hadoop.} + it from Spark. */
    public static final String SCHEMES = "vcaps.output.direct-write-schemes";
    /** Object stores whose rename is a copy (abfs with a hierarchical namespace renames atomically: not here). */
    public static final String DEFAULT_SCHEMES = "s3a,s3,s3n,gs,oss,cos,cosn,obs,wasb,wasbs";

    private ObjectStores() {
    }

    /** Whether outputs under the qualified {@code path} are written in place (its scheme is in {@link #SCHEMES}). */
    public static boolean writesInPlace(Configuration conf, Path path) {
        String scheme = path.toUri().getScheme();
        return scheme != null && Arrays.stream(conf.getTrimmedStrings(SCHEMES, DEFAULT_SCHEMES.split(",")))
                .anyMatch(s -> s.toLowerCase(Locale.ROOT).equals(scheme.toLowerCase(Locale.ROOT)));
    }
}
