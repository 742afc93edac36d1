package io.vcaps.spark;

import org.apache.spark.SparkContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * How many threads ND4J (libnd4j and OpenBLAS) may use inside one worker task. ND4J sizes its pools for the whole
 * machine; when several workers share an executor, each running its own pools, the threads outnumber the cores
 * and the spinning of idle ones costs more than the work (several times, on a loaded machine). A worker therefore
 * gets the executor's cores divided among the workers it runs at once.
 */
public final class WorkerThreads {

    private static final int DEFAULT = Math.max(1, Nd4j.getEnvironment().maxThreads());
    private static int current = DEFAULT;

    private WorkerThreads() {
    }

    /**
     * The threads per worker for {@code workers} workers on this application's executors: the cores of one executor
     * (local[N]: N; otherwise {@code spark.executor.cores}) over the workers it runs at once; 0 (leave ND4J's default)
     * where the executor's cores are not known.
     */
    public static int plan(SparkContext spark, int workers) {
        int cores;
        if (spark.isLocal()) {
            cores = spark.defaultParallelism();
        } else if (spark.getConf().contains("spark.executor.cores")) {
            cores = spark.getConf().getInt("spark.executor.cores", 1);
        } else {
            return 0;
        }
        int taskCpus = Math.max(1, spark.getConf().getInt("spark.task.cpus", 1));
        int concurrent = Math.max(1, Math.min(workers, cores / taskCpus));
        return Math.max(1, cores / concurrent);
    }

    /**
     * Limits ND4J to {@code threads} (at most its default; 0: its default) in the calling thread and in this JVM.
     * OpenMP's thread count, which oneDNN's kernels follow, is a setting of each thread, so every task thread sets
     * its own: unset, a task ran its convolutions on the machine's full count beside the other tasks.
     */
    public static void apply(int threads) {
        int wanted = threads <= 0 ? DEFAULT : Math.min(threads, DEFAULT);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(wanted);
        synchronized (WorkerThreads.class) {
            if (wanted == current) {
                return;
            }
            Nd4j.factory().blas().setMaxThreads(wanted);
            Nd4j.getEnvironment().setMaxThreads(wanted);
            Nd4j.getEnvironment().setMaxMasterThreads(wanted);
            current = wanted;
        }
    }

    /** OpenMP's thread count in the calling thread. */
    static int openMpThreads() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }
}
