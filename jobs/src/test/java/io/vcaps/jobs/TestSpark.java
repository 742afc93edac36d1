package io.vcaps.jobs;

import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;

/**
 * One real local[2] SparkSession for all the jobs module's tests in this JVM (training, batch, report), made through
 * {@link Sessions}.
 */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (session == null) {
            // Two Spark tasks on two cores: one native thread each. OpenMP's 2 threads per task oversubscribe the
            // cores and spin, several times slower on a busy machine.
            Nd4j.getEnvironment().setMaxThreads(1);
            Nd4j.getEnvironment().setMaxMasterThreads(1);
            Nd4j.factory().blas().setMaxThreads(1);
            System.setProperty("spark.master", "local[2]");
            System.setProperty("spark.ui.enabled", "false");
            System.setProperty("spark.sql.shuffle.partitions", "2");
            System.setProperty("spark.hadoop.hadoop.tmp.dir", new File("target/hadoop-tmp").getAbsolutePath());
            session = Sessions.getOrCreate("vcaps batch tests");
        }
        return session;
    }
}
