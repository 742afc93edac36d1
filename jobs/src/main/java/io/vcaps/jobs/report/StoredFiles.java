package io.vcaps.jobs.report;

import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.io.IOUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Small files the report reads through Hadoop's FileSystem API, so run folders on any Hadoop URI work. */
final class StoredFiles {
    private StoredFiles() {
    }

    static boolean exists(Configuration conf, Path path) throws IOException {
        return path.getFileSystem(conf).exists(path);
    }

    static boolean isDirectory(Configuration conf, Path path) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        return fs.exists(path) && fs.getFileStatus(path).isDirectory();
    }

    static byte[] read(Configuration conf, Path file) throws IOException {
        try (InputStream in = file.getFileSystem(conf).open(file)) {
            return IOUtils.toByteArray(in);
        }
    }
}
