package io.vcaps.jobs.batch;

import io.vcaps.spark.HadoopFiles;
import io.vcaps.spark.InjectedPause;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.RecordWriter;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.apache.hadoop.mapreduce.lib.output.PathOutputCommitter;

import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * generate's image files as a Hadoop output: each record, a path relative to the output folder and a PNG file's
 * bytes, becomes a file in the task attempt's own work folder ({@link PathOutputCommitter#getWorkPath()}), and the
 * committer moves an attempt's files into the output only if Spark's commit coordinator lets that attempt commit
 * its partition. So the files of a killed, failed or speculative attempt are never in the output, and no two
 * attempts ever write the same file; what the job commit leaves is one attempt's files per partition.
 *
 * <p>A task attempt pauses once after its first file when the Hadoop configuration's {@link #PAUSE_ONCE} names a
 * file that exists ({@link InjectedPause}): fault tests kill that executor inside the pause, while an attempt's
 * files are half written. Without the property nothing happens.
 *
 * <p>Public, with the implicit public constructor: Spark's Hadoop writer creates it from its class by that
 * constructor, on every executor.
 */
public final class PngFileOutput extends FileOutputFormat<String, byte[]> {

    /** Hadoop configuration key ({@code spark.hadoop.vcaps.fault.pause-once} in Spark) naming the pause's file. */
    public static final String PAUSE_ONCE = "vcaps.fault.pause-once";

    @Override
    public RecordWriter<String, byte[]> getRecordWriter(TaskAttemptContext context) throws IOException {
        Path work = ((PathOutputCommitter) getOutputCommitter(context)).getWorkPath();
        Configuration conf = context.getConfiguration();
        return new AttemptFiles(HadoopFiles.plain(conf, work), work, conf);
    }

    /** One attempt's files under its work folder, each folder created once. */
    private static final class AttemptFiles extends RecordWriter<String, byte[]> {
        private final FileSystem fs;
        private final Path work;
        private final Configuration conf;
        private final Map<String, HadoopFiles.Folder> folders = new HashMap<>();
        private boolean written;

        AttemptFiles(FileSystem fs, Path work, Configuration conf) {
            this.fs = fs;
            this.work = work;
            this.conf = conf;
        }

        @Override
        public void write(String file, byte[] png) throws IOException {
            int slash = file.lastIndexOf('/');
            String dir = slash < 0 ? "" : file.substring(0, slash);
            HadoopFiles.Folder folder = folders.get(dir);
            if (folder == null) {
                folder = HadoopFiles.folder(fs, dir.isEmpty() ? work : new Path(work, dir));
                folders.put(dir, folder);
            }
            try (OutputStream out = folder.create(file.substring(slash + 1))) {
                out.write(png);
            }
            if (!written) {
                written = true;
                String marker = conf.get(PAUSE_ONCE);
                if (marker != null) {
                    InjectedPause.ifFirst(java.nio.file.Path.of(marker), PAUSE_ONCE);
                }
            }
        }

        @Override
        public void close(TaskAttemptContext context) throws IOException {
            fs.close();
        }
    }
}
