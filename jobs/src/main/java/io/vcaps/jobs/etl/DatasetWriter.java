package io.vcaps.jobs.etl;

import io.vcaps.dataset.DatasetSchema;
import io.vcaps.spark.InternalRows;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.types.UTF8String;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes a source's outcomes as a dataset folder in one pass over the source: the images as Parquet
 * partitioned by split; the rejects, gathered on the driver while the images are written (a few
 * hundred bytes each), as one Parquet file in {@code _rejects/}.
 */
final class DatasetWriter {
    private DatasetWriter() {
    }

    /** Writes {@code outcomes} into the folder {@code dataset}, which must not exist; returns the counts. */
    public static DatasetCounts write(SparkSession spark, JavaRDD<Outcome> outcomes, Path dataset) {
        CountsAccumulator counts = new CountsAccumulator();
        // Unnamed, so that the Spark UI does not keep each task's update.
        spark.sparkContext().register(counts);
        JavaRDD<InternalRow> images = outcomes
                .filter(outcome -> {
                    counts.add(outcome);
                    return outcome instanceof ImageRecord;
                })
                .map(outcome -> toInternalRow((ImageRecord) outcome));
        InternalRows.dataFrame(spark, images.rdd(), DatasetSchema.IMAGES)
                .write()
                .mode(SaveMode.ErrorIfExists)
                // Pixels and ids are all different: a dictionary only costs time before Parquet gives up on it.
                .option("parquet.enable.dictionary#" + DatasetSchema.PIXELS, "false")
                .option("parquet.enable.dictionary#" + DatasetSchema.ID, "false")
                .partitionBy(DatasetSchema.SPLIT)
                .parquet(dataset.toString());

        List<Row> rejects = new ArrayList<>();
        for (Reject reject : counts.value().rejectList()) {
            rejects.add(toRow(reject));
        }
        // One file, written even when empty so that the table always carries its schema.
        spark.createDataFrame(rejects, DatasetSchema.REJECTS)
                .coalesce(1)
                .write()
                .mode(SaveMode.ErrorIfExists)
                .parquet(new Path(dataset, DatasetSchema.REJECTS_DIR).toString());
        return counts.value();
    }

    /** {@code r} in Spark's internal form, matching {@link DatasetSchema#IMAGES}. */
    private static InternalRow toInternalRow(ImageRecord r) {
        return new GenericInternalRow(new Object[] {UTF8String.fromString(r.id()), UTF8String.fromString(r.split()),
            r.label(), UTF8String.fromString(r.labelName()), UnsafeArrayData.fromPrimitiveArray(r.labels()), r.height(),
            r.width(), r.channels(), r.pixels()});
    }

    private static Row toRow(Reject r) {
        return RowFactory.create(r.path(), r.stage(), r.reason(), r.detail());
    }
}
