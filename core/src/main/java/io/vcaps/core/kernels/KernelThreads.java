package io.vcaps.core.kernels;

import org.nd4j.nativeblas.NativeOpsHolder;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** The pool the per-image Java kernels share, one per JVM, sized like OpenMP's (OMP_NUM_THREADS, else the cores). */
public final class KernelThreads {

    private static final ForkJoinPool KERNELS = new ForkJoinPool(kernelThreads());

    private KernelThreads() {
    }

    private static int kernelThreads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        if (omp != null && omp.matches("\\d+") && Integer.parseInt(omp) > 0) {
            return Integer.parseInt(omp);
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Runs {@code body} for every index in [0, count), spread over the kernel threads, or in the calling thread when
     * OpenMP allows it one thread: a Spark task beside as many others as there are cores (WorkerThreads in the jobs),
     * whose hand-offs to the shared pool would only queue behind the other tasks' work.
     */
    public static void forEachImage(int count, IntConsumer body) {
        if (count <= 1 || NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads() <= 1) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        KERNELS.submit(() -> IntStream.range(0, count).parallel().forEach(body)).join();
    }
}
