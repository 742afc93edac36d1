package io.vcaps.spark;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A task thread that applies its thread plan runs its OpenMP kernels on that many threads, even when another thread
 * applied the same plan before it (OpenMP's count is per thread, so the JVM-wide setting alone does not reach it).
 */
class WorkerThreadsTest {

    private static int afterApplyInNewThread(int threads) throws InterruptedException {
        AtomicInteger seen = new AtomicInteger(-1);
        Thread task = new Thread(() -> {
            WorkerThreads.apply(threads);
            seen.set(WorkerThreads.openMpThreads());
        });
        task.start();
        task.join();
        return seen.get();
    }

    @Test
    void everyTaskThreadGetsItsPlan() throws InterruptedException {
        try {
            assertEquals(1, afterApplyInNewThread(1));
            assertEquals(1, afterApplyInNewThread(1), "a second thread applying the same plan");
        } finally {
            WorkerThreads.apply(0);
        }
    }
}
