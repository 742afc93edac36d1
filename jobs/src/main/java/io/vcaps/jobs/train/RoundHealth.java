package io.vcaps.jobs.train;

import io.vcaps.jobs.run.MetricsLine.SparkHealth;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Counts, for each attempt of a training round, the task failures, task retries (attempts after the first),
 * lost executors, bytes of task results sent to the driver and bytes written to shuffle files that Spark's listener
 * bus reports. The driver tags the jobs of an attempt with a local property
 * ({@link #begin}); stages carry it, so a task is counted for the attempt that ran it, never for an evaluation
 * between rounds. Listener events arrive asynchronously, so {@link #take} waits until the bus has delivered the end
 * of every job of the attempt: Spark posts a job's task ends before its job end, so by then they are all counted.
 */
final class RoundHealth extends SparkListener implements AutoCloseable {

    /** The local property naming the round attempt a Spark job belongs to. */
    static final String ATTEMPT = "vcaps.train.attempt";
    /** How long {@link #take} waits for the listener bus before it reports what it has. */
    private static final long WAIT_MILLIS = 30_000;

    private final SparkContext spark;
    private final Map<Integer, String> jobs = new HashMap<>();
    private final Map<Integer, String> stages = new HashMap<>();
    private final Map<String, Counts> attempts = new HashMap<>();
    private long executorsLost;

    private static final class Counts {
        int started;
        int ended;
        long failures;
        long retries;
        long resultBytes;
        long shuffleBytes;
    }

    private RoundHealth(SparkContext spark) {
        this.spark = spark;
    }

    /** A listener on {@code spark}'s bus until {@link #close}. */
    static RoundHealth attach(SparkContext spark) {
        RoundHealth health = new RoundHealth(spark);
        spark.addSparkListener(health);
        return health;
    }

    /** Tags the Spark jobs this thread starts from now on as attempt {@code attempt} of round {@code round}. */
    String begin(long round, int attempt) {
        String id = round + "/" + attempt;
        synchronized (this) {
            attempts.put(id, new Counts());
        }
        spark.setLocalProperty(ATTEMPT, id);
        return id;
    }

    /**
     * What attempt {@code id} went through, once the listener has seen all its jobs end; executors lost are those
     * removed since the previous call. Untags this thread's jobs.
     */
    synchronized SparkHealth take(String id) throws InterruptedException {
        spark.setLocalProperty(ATTEMPT, null);
        Counts c = attempts.get(id);
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        // An attempt that failed before Spark started its job (a closure that does not serialise) never has one.
        while ((c.started == 0 || c.ended < c.started) && System.currentTimeMillis() < deadline) {
            wait(Math.max(1, deadline - System.currentTimeMillis()));
        }
        attempts.remove(id);
        stages.values().removeIf(id::equals);
        SparkHealth health = new SparkHealth(c.failures, c.retries, executorsLost, c.resultBytes, c.shuffleBytes);
        executorsLost = 0;
        return health;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart start) {
        Counts c = counts(start.properties());
        if (c != null) {
            jobs.put(start.jobId(), start.properties().getProperty(ATTEMPT));
            c.started++;
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd end) {
        String id = jobs.remove(end.jobId());
        Counts c = id == null ? null : attempts.get(id);
        if (c != null) {
            c.ended++;
            notifyAll();
        }
    }

    @Override
    public synchronized void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        if (counts(submitted.properties()) != null) {
            stages.put(submitted.stageInfo().stageId(), submitted.properties().getProperty(ATTEMPT));
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        String id = stages.get(end.stageId());
        Counts c = id == null ? null : attempts.get(id);
        TaskInfo task = end.taskInfo();
        if (c == null || task == null) {
            return;
        }
        // Killed tasks are the other tasks of a job that failed: a consequence, not a failure of their own.
        if (task.failed() && !task.killed()) {
            c.failures++;
        }
        if (task.attemptNumber() > 0) {
            c.retries++;
        }
        if (end.taskMetrics() != null && task.successful()) {
            c.resultBytes += end.taskMetrics().resultSize();
            c.shuffleBytes += end.taskMetrics().shuffleWriteMetrics().bytesWritten();
        }
    }

    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        executorsLost++;
    }

    private Counts counts(Properties properties) {
        String id = properties == null ? null : properties.getProperty(ATTEMPT);
        return id == null ? null : attempts.get(id);
    }

    @Override
    public void close() {
        spark.removeSparkListener(this);
    }
}
