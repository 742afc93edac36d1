package io.vcaps.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The Spark line this jar was built for ({@code spark-line.properties}, written by the build), and the check that a
 * job runs on it. Classes compiled for Spark 3.5 / Scala 2.12 fail on Spark 4 / Scala 2.13 and the other way round
 * somewhere in the middle of a job (NoSuchMethodError, a class that is not there), after work was done; minor
 * releases of one major line run the same jar.
 */
public final class SparkLine {
    private static final Properties BUILT = load();

    private SparkLine() {
    }

    /** vcaps' own version, as the build wrote it. */
    public static String vcaps() {
        return BUILT.getProperty("vcaps");
    }

    /** The Spark release the jar was compiled against, such as {@code 3.5.9}. */
    public static String spark() {
        return BUILT.getProperty("spark");
    }

    /** Its Scala line, {@code 2.12} or {@code 2.13}. */
    public static String scala() {
        return BUILT.getProperty("scala");
    }

    /** Throws a {@link JobFailure} naming both lines unless the running Spark and Scala are the jar's line. */
    public static void require(String runningSpark, String runningScala) {
        String major = runningSpark.split("\\.")[0];
        boolean sameSpark = major.equals(spark().split("\\.")[0]);
        boolean sameScala = runningScala.equals(scala()) || runningScala.startsWith(scala() + ".");
        if (!sameSpark || !sameScala) {
            throw new JobFailure("this vcaps jar was built for Spark " + spark() + " (Scala " + scala()
                    + "), but it runs on Spark " + runningSpark + " (Scala " + runningScala + "); build the jar for"
                    + " this cluster with mvn package" + ("4".equals(major) ? " -Pspark4" : "")
                    + " (docs/OPERATIONS.md, \"Spark lines\")");
        }
    }

    /** {@link #require} for the Spark and Scala on this JVM's classpath. */
    public static void requireRunning() {
        require(org.apache.spark.package$.MODULE$.SPARK_VERSION(), scala.util.Properties.versionNumberString());
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = SparkLine.class.getResourceAsStream("spark-line.properties")) {
            if (in == null) {
                throw new IllegalStateException("spark-line.properties is missing beside " + SparkLine.class);
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spark-line.properties", e);
        }
        return p;
    }
}
