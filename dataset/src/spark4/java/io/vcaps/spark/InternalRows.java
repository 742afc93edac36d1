package io.vcaps.spark;

import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * DataFrames over rows already in Spark's internal form, on Spark 4 (src/spark3 has the same class for Spark 3.5,
 * and says why).
 */
public final class InternalRows {
    private InternalRows() {
    }

    /**
     * Spark 4's session type is shared with Spark Connect; the method lives on the classic, in-JVM session that
     * every vcaps job runs in.
     */
    public static Dataset<Row> dataFrame(SparkSession spark, RDD<InternalRow> rows, StructType schema) {
        return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(rows, schema, false);
    }
}
