package io.vcaps.ml;

import io.vcaps.core.bundle.BundleLimits;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.spark.HadoopFiles;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A model bundle read once on the driver: its bytes (what executors get, by broadcast), its id (the first 16 hex
 * digits of the SHA-256 of those bytes, so the same file always has the same id) and the model, read to check the
 * bundle before any work starts.
 */
public record Bundle(String path, byte[] bytes, String id, VcnModel model) {

    /**
     * Reads and checks the bundle at {@code path} (any Hadoop URI); a missing or unreadable one is a
     * {@link JobFailure}.
     */
    public static Bundle load(Configuration conf, String path) {
        byte[] bytes;
        try {
            Path file = new Path(path);
            FileSystem fs = file.getFileSystem(conf);
            if (!fs.exists(file)) {
                throw new JobFailure("model bundle not found: " + path);
            }
            if (fs.getFileStatus(file).isDirectory()) {
                throw new JobFailure("model bundle " + path + " is a directory, not a bundle file");
            }
            if (fs.getFileStatus(file).getLen() > BundleLimits.maxBytes()) {
                throw new JobFailure("model bundle " + path + " is larger than vcaps.bundle.max-bytes ("
                        + BundleLimits.maxBytes() + " bytes)");
            }
            bytes = HadoopFiles.read(conf, file);
        } catch (FileNotFoundException e) {
            throw new JobFailure("model bundle not found: " + path, e);
        } catch (IOException e) {
            throw new JobFailure("cannot read model bundle " + path + ": " + e.getMessage(), e);
        }
        return new Bundle(path, bytes, idOf(bytes), read(bytes, path));
    }

    /**
     * A model from bundle bytes, for inference (the optimiser state is not read); a corrupt bundle is a
     * {@link JobFailure} naming {@code where}.
     */
    public static VcnModel read(byte[] bytes, String where) {
        try {
            return ModelBundle.readForInference(new ByteArrayInputStream(bytes), where);
        } catch (IOException | RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new JobFailure(message.contains(where) ? message
                    : "model bundle " + where + " is corrupt or not a vcaps bundle: " + message, e);
        }
    }

    /** The id of bundle {@code bytes}: the first 16 hex digits of their SHA-256. */
    public static String idOf(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
