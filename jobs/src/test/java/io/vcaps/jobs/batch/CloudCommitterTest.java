package io.vcaps.jobs.batch;

import io.vcaps.spark.ObjectStores;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.parquet.hadoop.ParquetOutputCommitter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vcaps classify} with the keys users set for Spark's cloud committers (docs/OPERATIONS.md, "Object
 * stores"): its Parquet goes through the commit protocol and Parquet committer they name, and with the output's
 * scheme written in place (as {@code s3a} is by default; {@code file} here) that committer commits to the output
 * folder itself, not to a staging folder that would be copied afterwards; an existing output there is refused,
 * not overwritten. The two classes are Spark's and Parquet's own, recording the paths they are given; S3 itself is
 * not tested.
 */
class CloudCommitterTest {

    static final Queue<String> PROTOCOL_PATHS = new ConcurrentLinkedQueue<>();
    static final Queue<String> COMMITTER_PATHS = new ConcurrentLinkedQueue<>();

    /** Spark's default commit protocol, recording the output path of each write job. */
    public static final class RecordingProtocol extends SQLHadoopMapReduceCommitProtocol {
        public RecordingProtocol(String jobId, String path, boolean dynamicPartitionOverwrite) {
            super(jobId, path, dynamicPartitionOverwrite);
            PROTOCOL_PATHS.add(new Path(path).toUri().getPath());
        }
    }

    /** Parquet's committer, recording the output path of each task and job it commits. */
    public static final class RecordingCommitter extends ParquetOutputCommitter {
        public RecordingCommitter(Path outputPath, TaskAttemptContext context) throws IOException {
            super(outputPath, context);
            COMMITTER_PATHS.add(outputPath.toUri().getPath());
        }
    }

    @TempDir
    java.nio.file.Path dir;

    @Test
    void classifyCommitsThroughTheConfiguredCommitterStraightToTheOutput() throws Exception {
        SparkSession spark = io.vcaps.jobs.TestSpark.session();
        TrainedFixture fixture = TrainedFixture.get();
        String[] common = {"--model", fixture.bundle.toString(), "--data", fixture.dataset.toString(), "--split",
                "test"};
        java.nio.file.Path staged = dir.resolve("staged");
        assertEquals(0, Cli.run(new ClassifyJob(), ClassifyJobTest.concat(common, "--output", staged.toString()))
                .exit());

        java.nio.file.Path direct = dir.resolve("direct");
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        spark.conf().set("spark.sql.sources.commitProtocolClass", RecordingProtocol.class.getName());
        spark.conf().set("spark.sql.parquet.output.committer.class", RecordingCommitter.class.getName());
        hadoop.set(ObjectStores.SCHEMES, "file");
        try {
            assertEquals(0, Cli.run(new ClassifyJob(), ClassifyJobTest.concat(common, "--output", direct.toString()))
                    .exit());
            List<String> once = List.copyOf(COMMITTER_PATHS);
            assertEquals(List.of(direct.toString()), List.copyOf(PROTOCOL_PATHS), "one Parquet write, in place");
            assertFalse(once.isEmpty(), "the configured Parquet committer committed the rows");
            assertTrue(once.stream().allMatch(direct.toString()::equals), "committed to the output itself: " + once);

            // In place no swap can keep the old output until the new one is whole: overwriting is refused first.
            String eval = Files.readString(direct.resolve(ClassificationSchema.EVAL_FILE));
            Cli overwrite = Cli.run(new ClassifyJob(), ClassifyJobTest.concat(common, "--output", direct.toString(),
                    "--mode", "overwrite"));
            assertEquals(1, overwrite.exit());
            assertTrue(overwrite.err().contains("exists and is written in place"), overwrite.err());
            assertEquals(List.of(direct.toString()), List.copyOf(PROTOCOL_PATHS), "no second write");
            assertEquals(eval, Files.readString(direct.resolve(ClassificationSchema.EVAL_FILE)));
        } finally {
            spark.conf().unset("spark.sql.sources.commitProtocolClass");
            spark.conf().unset("spark.sql.parquet.output.committer.class");
            hadoop.unset(ObjectStores.SCHEMES);
            PROTOCOL_PATHS.clear();
            COMMITTER_PATHS.clear();
        }
        assertEquals(rows(spark, staged), rows(spark, direct), "the same rows as a staged and renamed output");
        assertEquals(Files.readString(staged.resolve(ClassificationSchema.EVAL_FILE)),
                Files.readString(direct.resolve(ClassificationSchema.EVAL_FILE)));
        assertTrue(Files.exists(direct.resolve(ClassificationSchema.CONFUSION_FILE)));
        try (Stream<java.nio.file.Path> names = Files.list(dir)) {
            assertEquals(List.of("direct", "staged"), names.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging folder beside either output");
        }
    }

    private static List<String> rows(SparkSession spark, java.nio.file.Path output) {
        return spark.read().parquet(output.toString()).orderBy("id").collectAsList().stream().map(Row::toString)
                .toList();
    }
}
