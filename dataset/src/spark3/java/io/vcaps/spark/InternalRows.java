package io.vcaps.spark;

import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * DataFrames over rows already in Spark's internal form, on Spark 3.5 (src/spark4 has the same class for Spark 4):
 * the Row encoder would convert each row once more and, on its first use in a JVM, initialise Scala runtime
 * reflection (about 1,400 classes, seconds of a short job).
 */
public final class InternalRows {
    private InternalRows() {
    }

    /** The method is package-private in Scala, so public to Java. */
    public static Dataset<Row> dataFrame(SparkSession spark, RDD<InternalRow> rows, StructType schema) {
        return spark.internalCreateDataFrame(rows, schema, false);
    }
}
