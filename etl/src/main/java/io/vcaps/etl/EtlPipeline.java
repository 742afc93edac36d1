package io.vcaps.etl;

import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.vcaps.spark.CommittedOutput;
import io.vcaps.spark.JobFailure;

/**
 * One ETL run: checks the input and output, reads the source on the executors, writes the dataset
 * and its {@code _vcaps.json} into a staging folder and commits it into place.
 */
public final class EtlPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(EtlPipeline.class);

    private EtlPipeline() {
    }

    /** Runs {@code request} in {@code spark}; returns the metadata written. */
    public static DatasetMetadata run(SparkSession spark, EtlRequest request) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        String input = requireExists(conf, request.input(), "input");
        String attributes = request.attributes() == null ? null : requireExists(conf, request.attributes(), "attribute file");
        try (CommittedOutput output = CommittedOutput.begin(conf, request.output(), request.mode())) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int partitions = request.partitions() > 0 ? request.partitions() : 2 * jsc.defaultParallelism();
            LOG.info("etl: reading {} from {}", request.source().key(), input);
            SourceData data = switch (request.source()) {
                case IDX -> IdxSource.open(conf, input, request.maxPixels()).read(jsc, request.shape(), partitions);
                case FOLDERS -> ImageFolderSource.open(conf, input)
                        .read(spark, request.shape(), request.testFraction(), request.maxPixels(), request.maxFileBytes(), partitions);
                case ATTRIBUTES -> AttributeSource.open(conf, input, attributes)
                        .read(spark, request.shape(), request.testFraction(), request.maxPixels(), request.maxFileBytes(), partitions);
            };
            spark.sparkContext().setJobDescription("vcaps etl " + request.source().key() + " " + input);
            DatasetCounts counts = DatasetWriter.write(spark, data.outcomes(), output.staging());
            DatasetMetadata metadata = DatasetMetadata.of(new DatasetMetadata.Source(request.source().key(), input, attributes),
                    request.shape(), data, request.testFraction(), counts);
            metadata.write(conf, output.staging());
            output.commit();
            LOG.info("etl: wrote {} images (train {}, test {}) and {} rejects to {}", counts.images(),
                    counts.images(DatasetSchema.TRAIN), counts.images(DatasetSchema.TEST), counts.rejects(), output.target());
            return metadata;
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }

    private static String requireExists(Configuration conf, String location, String what) throws IOException {
        Path path = new Path(location);
        FileSystem fs = path.getFileSystem(conf);
        Path qualified = fs.makeQualified(path);
        try {
            fs.getFileStatus(qualified);
        } catch (FileNotFoundException e) {
            throw new JobFailure(what + " not found: " + qualified);
        }
        return qualified.toString();
    }
}
