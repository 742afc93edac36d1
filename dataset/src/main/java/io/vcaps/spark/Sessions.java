package io.vcaps.spark;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;

/**
 * Gets or creates the SparkSession a job runs in. A master is set only where none was given
 * ({@code spark.master} unset, as when a job is started without spark-submit): then {@code local[*]}.
 */
public final class Sessions {
    private static final String SPARK_DEFAULT_LOG_CONFIG = "org/apache/spark/log4j2-defaults.properties";

    private Sessions() {
    }

    /** The active session if there is one, otherwise a new one named {@code appName}. */
    public static SparkSession getOrCreate(String appName) {
        SparkSession active = existing();
        if (active != null) {
            return active;
        }
        SparkLine.requireRunning();
        quietLogging();
        SparkConf given = new SparkConf();
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        if (!given.contains("spark.master")) {
            builder.master("local[*]");
        }
        if (!given.contains("spark.hadoop.hadoop.tmp.dir")) {
            // Hadoop's own default is /tmp/hadoop-<user>, shared by every Hadoop program on the machine.
            builder.config("spark.hadoop.hadoop.tmp.dir", defaultHadoopTmp(given));
        }
        return builder.getOrCreate();
    }

    /**
     * Refuses {@code spark.speculation = true}: a speculative copy of a task runs beside the original, and jobs
     * that hold per-worker state (train's worker pool) or must count each row once have not been shown to be
     * unharmed by that; Spark's own task retry (a failed task run again) is what they rely on. Every file the
     * executors write goes through a Hadoop committer (generate's PNG files too), but no job has been tested under
     * speculation, so each refuses it. Called before {@link #getOrCreate}, it reads the configuration the job was
     * given, so a refused job starts no SparkContext and registers nothing with a cluster.
     */
    public static void refuseSpeculation(String job) {
        SparkSession active = existing();
        SparkConf conf = active != null ? active.sparkContext().getConf() : new SparkConf();
        if (conf.getBoolean("spark.speculation", false)) {
            throw new JobFailure(job + " refuses speculative execution (spark.speculation = true): a duplicate task"
                    + " could write its files twice or twice train a worker; run it with spark.speculation=false"
                    + " (Spark's task retries still apply)");
        }
    }

    private static SparkSession existing() {
        return SparkSession.getActiveSession().getOrElse(() -> SparkSession.getDefaultSession().getOrElse(() -> null));
    }

    private static String defaultHadoopTmp(SparkConf given) {
        String base = given.get("spark.local.dir", System.getProperty("java.io.tmpdir")).split(",")[0];
        return new File(base, "vcaps-hadoop-" + System.getProperty("user.name", "user")).getAbsolutePath();
    }

    /**
     * Replaces Spark's built-in INFO-level console logging by ours (warnings, plus the jobs' own
     * INFO lines); a log4j2 configuration the user supplied is left alone.
     */
    static void quietLogging() {
        if (System.getProperty("log4j2.configurationFile") != null
                || System.getProperty("log4j.configurationFile") != null) {
            return;
        }
        // Spark initialises its logging on the first log call of any of its classes, and Spark 4 does so again
        // after spark-submit hands over to the job: it puts its own defaults back over ours then. Initialised
        // here first (silently), it leaves ours alone.
        org.apache.spark.util.Utils$.MODULE$.initializeLogIfNecessary(false, true);
        try {
            if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
                return;
            }
            Configuration current = context.getConfiguration();
            String location = current.getConfigurationSource() == null
                    ? null : current.getConfigurationSource().getLocation();
            boolean builtIn = current instanceof DefaultConfiguration
                    || (location != null && location.endsWith(SPARK_DEFAULT_LOG_CONFIG));
            URL ours = Sessions.class.getResource("log4j2-vcaps.properties");
            if (builtIn && ours != null) {
                context.setConfigLocation(ours.toURI());
            }
        } catch (LinkageError | URISyntaxException e) {
            // Another logging backend is bound: it has its own configuration.
        }
    }
}
