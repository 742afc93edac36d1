package io.vcaps.jobs.etl;

import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;

import java.io.File;

/** One real local[2] SparkSession for all the tests in this JVM, made through {@link Sessions}. */
final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            System.setProperty("spark.master", "local[2]");
            System.setProperty("spark.ui.enabled", "false");
            System.setProperty("spark.sql.shuffle.partitions", "2");
            System.setProperty("spark.hadoop.hadoop.tmp.dir", new File("target/hadoop-tmp").getAbsolutePath());
            session = Sessions.getOrCreate("vcaps etl tests");
        }
        return session;
    }
}
