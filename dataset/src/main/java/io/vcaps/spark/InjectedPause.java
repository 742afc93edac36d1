package io.vcaps.spark;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fault injection for the cluster tests: a task that takes away a marker file pauses, so that a test can kill its
 * executor or its driver at a known moment. Jobs call it only where a test's configuration names a marker; without
 * one nothing happens.
 */
public final class InjectedPause {
    private static final long PAUSE_MS = 120_000;

    private InjectedPause() {
    }

    /**
     * Pauses this task if it is the first to take away {@code marker}, writing its JVM's process id beside it
     * ({@code marker.pid}: the test kills that executor, and only that one); returns at once otherwise.
     *
     * @param key the configuration key that named the marker, for the message of a task killed in the pause
     */
    public static void ifFirst(Path marker, String key) throws IOException {
        if (!Files.deleteIfExists(marker)) {
            return;
        }
        Files.writeString(marker.resolveSibling(marker.getFileName() + ".pid"),
                Long.toString(ProcessHandle.current().pid()));
        try {
            Thread.sleep(PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("task killed in the injected pause (" + key + ")");
        }
    }
}
