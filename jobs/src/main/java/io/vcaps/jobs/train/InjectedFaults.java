package io.vcaps.jobs.train;

import io.vcaps.spark.InjectedPause;
import org.apache.spark.SparkEnv;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Failure testing on a real cluster, as DL4J's {@code FailureTestingListener} does it. When the JVM running a
 * worker's task has the system property {@code vcaps.fault.fail-once} naming a file that exists, the first task to
 * see it deletes it and fails, so that exactly one task of one round fails, whatever the retries. When the job's
 * Spark configuration has {@code spark.vcaps.fault.pause-round} naming a file that holds a round number (counted
 * from 1), the first task of that round to see it deletes it and pauses, so that a test can kill the driver while
 * the round runs. Without the properties nothing happens.
 */
final class InjectedFaults {

    /** The system property naming the file whose presence makes one task fail. */
    public static final String FAIL_ONCE = "vcaps.fault.fail-once";
    /** The Spark configuration key naming the file that says which round's task pauses. */
    public static final String PAUSE_ROUND = "spark.vcaps.fault.pause-round";

    private InjectedFaults() {
    }

    /** Fails this task if the fault file is there, taking it away first. */
    static void maybeFail(String where) {
        String marker = System.getProperty(FAIL_ONCE);
        if (marker == null) {
            return;
        }
        try {
            if (Files.deleteIfExists(Path.of(marker))) {
                throw new IllegalStateException("injected fault (" + FAIL_ONCE + " = " + marker + ") in " + where);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pauses this task of round {@code round} (from 1) if the pause file names that round, taking it away first. */
    static void maybePause(long round) {
        SparkEnv env = SparkEnv.get();
        String marker = env == null ? null : env.conf().get(PAUSE_ROUND, null);
        if (marker == null) {
            return;
        }
        Path file = Path.of(marker);
        try {
            if (Files.exists(file) && Files.readString(file).strip().equals(Long.toString(round))) {
                InjectedPause.ifFirst(file, PAUSE_ROUND);
            }
        } catch (InterruptedIOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (IOException e) {
            // Another task took the file between the reads: it pauses, this one goes on.
        }
    }
}
