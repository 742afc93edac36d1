package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.spark.CommittedOutput;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.SeparatePaths;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        String attributes = request.attributes() == null
                ? null : requireExists(conf, request.attributes(), "attribute file");
        try (CommittedOutput output = CommittedOutput.begin(conf, request.output(), request.mode(),
                List.of(SeparatePaths.input("--input", request.input()),
                        SeparatePaths.input("--attributes", request.attributes())))) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int partitions = request.partitions() > 0 ? request.partitions() : 2 * jsc.defaultParallelism();
            LOG.info("etl: reading {} from {}", request.source().key(), input);
            SourceData data = switch (request.source()) {
                case IDX -> IdxSource.open(conf, input, request.maxPixels()).read(jsc, request.shape(), partitions);
                case FOLDERS -> ImageFolderSource.open(conf, input)
                        .read(spark, request.shape(), request.testFraction(), request.maxPixels(),
                                request.maxFileBytes(), partitions);
                case ATTRIBUTES -> AttributeSource.open(conf, input, attributes)
                        .read(spark, request.shape(), request.testFraction(), request.maxPixels(),
                                request.maxFileBytes(), partitions);
            };
            spark.sparkContext().setJobDescription("vcaps etl " + request.source().key() + " " + input);
            DatasetCounts counts = DatasetWriter.write(spark, data.outcomes(), output.staging());
            DatasetMetadata metadata = metadata(new DatasetMetadata.Source(request.source().key(), input, attributes),
                    request.shape(), data, request.testFraction(), counts);
            metadata.write(conf, output.staging());
            output.commit();
            LOG.info("etl: wrote {} images (train {}, test {}) and {} rejects to {}", counts.images(),
                    counts.images(DatasetSchema.TRAIN), counts.images(DatasetSchema.TEST), counts.rejects(),
                            output.target());
            return metadata;
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }

    /** The {@code _vcaps.json} of a dataset just written from {@code source} with {@code counts}. */
    private static DatasetMetadata metadata(DatasetMetadata.Source source, ImageShape shape, SourceData data,
            Double testFraction, DatasetCounts counts) {
        List<String> entities = data.entities();
        if (entities == null) {
            entities = new ArrayList<>();
            for (int i = 0; i <= counts.maxLabel(); i++) {
                entities.add(Integer.toString(i));
            }
        }
        Map<String, DatasetMetadata.SplitCounts> perSplit = new LinkedHashMap<>();
        for (String split : List.of(DatasetSchema.TRAIN, DatasetSchema.TEST)) {
            Map<String, Long> perEntity = new LinkedHashMap<>();
            for (int i = 0; i < entities.size(); i++) {
                perEntity.put(entities.get(i), counts.images(split, i));
            }
            perSplit.put(split, new DatasetMetadata.SplitCounts(counts.images(split), perEntity));
        }
        DatasetMetadata.Split split = new DatasetMetadata.Split(data.splitMethod(), "hash".equals(data.splitMethod())
                ? testFraction : null);
        return new DatasetMetadata(DatasetMetadata.SCHEMA_VERSION,
                Instant.now().truncatedTo(ChronoUnit.MILLIS).toString(), source, shape,
                data.multiLabel(), List.copyOf(entities), split, perSplit,
                new DatasetMetadata.Rejects(counts.rejects(), new LinkedHashMap<>(counts.rejectsByReason()),
                        new LinkedHashMap<>(counts.rejectsByStage())));
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
