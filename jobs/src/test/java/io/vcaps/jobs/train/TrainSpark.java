package io.vcaps.jobs.train;

import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;

import java.io.File;

/** One real local[2] SparkSession for every training test in this JVM, made through {@link Sessions}. */
final class TrainSpark {

    private static SparkSession session;

    private TrainSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            System.setProperty("spark.master", "local[2]");
            System.setProperty("spark.ui.enabled", "false");
            System.setProperty("spark.sql.shuffle.partitions", "2");
            System.setProperty("spark.hadoop.hadoop.tmp.dir", new File("target/hadoop-tmp").getAbsolutePath());
            session = Sessions.getOrCreate("vcaps train tests");
        }
        return session;
    }
}
