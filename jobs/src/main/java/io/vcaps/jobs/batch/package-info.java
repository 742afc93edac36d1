/**
 * {@code vcaps classify} and {@code vcaps generate}: bulk classification (scored by {@code io.vcaps.ml.VcapsModel},
 * the one scoring path) and mass synthesis with a model bundle, broadcast once; every executor thread reads its own
 * model from the broadcast bytes the first time it needs one (without the optimiser state, which inference never
 * reads) and keeps it for later tasks (a DL4J network is not thread-safe; {@code io.vcaps.ml.ExecutorModels}), and
 * limits ND4J to its share of the executor's cores ({@code WorkerThreads}, as in training). Output is written into a
 * hidden staging folder and renamed into place ({@code CommittedOutput}); generate's PNG files reach it through
 * Hadoop's output committer ({@link io.vcaps.jobs.batch.PngFileOutput}), never straight from a task. May import
 * core, {@code io.vcaps.ml}, {@code io.vcaps.dataset} and {@code io.vcaps.spark}.
 */
package io.vcaps.jobs.batch;
