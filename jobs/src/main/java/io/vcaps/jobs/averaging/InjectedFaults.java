package io.vcaps.jobs.averaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Failure testing on a real cluster, as DL4J's {@code FailureTestingListener} does it: when the JVM running a
 * worker's task has the system property {@code vcaps.fault.fail-once} naming a file that exists, the first task to
 * see it deletes it and fails, so that exactly one task of one round fails, whatever the retries. Without the
 * property nothing happens.
 */
public final class InjectedFaults {

    /** The system property naming the file whose presence makes one task fail. */
    public static final String FAIL_ONCE = "vcaps.fault.fail-once";

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
}
