package io.vcaps.jobs.averaging;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.Collections;
import java.util.Iterator;

/**
 * Synchronous parameter averaging, DL4J's {@code ParameterAveragingTrainingMaster} generalised from one network
 * with one loss to any list of networks trained by one local step (E, G and D of a VCN; or a single network). Each
 * round the driver broadcasts a {@link TrainingState} (parameters, optimiser state, iteration counts of every
 * network); every partition of the data is one worker, which writes the state into its networks, runs the local
 * steps on its partition and returns its state; {@code treeAggregate} sums the states weighted by examples and only
 * that sum reaches the driver. A round with a non-finite loss or parameter anywhere is reported, not averaged.
 *
 * @param <E> the element type of the partitions
 */
public final class ParameterAveraging<E> {

    private final JavaSparkContext spark;
    private final LocalTraining<E> training;
    private final int aggregationDepth;

    public ParameterAveraging(JavaSparkContext spark, LocalTraining<E> training, int aggregationDepth) {
        if (aggregationDepth < 1) {
            throw new IllegalArgumentException("aggregation depth must be at least 1, got " + aggregationDepth);
        }
        this.spark = spark;
        this.training = training;
        this.aggregationDepth = aggregationDepth;
    }

    /** Ships a state to the executors; destroy it once no round or evaluation needs it. */
    public Broadcast<TrainingState> broadcast(TrainingState state) {
        return spark.broadcast(state);
    }

    /**
     * Runs round {@code round}: {@code steps} local steps on every partition of {@code data} (partition i is worker
     * i), starting from {@code state}, then the weighted average.
     */
    public Round round(JavaRDD<E> data, Broadcast<TrainingState> state, long round, int steps) {
        long start = System.nanoTime();
        JavaRDD<WorkerReport> reports = data.mapPartitionsWithIndex(new WorkerRound<>(training, state, round, steps),
                true);
        StateSum sum = reports.treeAggregate(new StateSum(), StateSum::add, StateSum::merge, aggregationDepth);
        TrainingState averaged = sum.nonFiniteWorkers().isEmpty() ? sum.average() : null;
        return new Round(round, averaged, sum.totals(), sum.workers(), sum.nonFiniteWorkers(),
                (System.nanoTime() - start) / 1e9);
    }

    /** The task of one worker in one round. */
    private record WorkerRound<E>(LocalTraining<E> training, Broadcast<TrainingState> state, long round, int steps)
            implements Function2<Integer, Iterator<E>, Iterator<WorkerReport>> {

        @Override
        public Iterator<WorkerReport> call(Integer worker, Iterator<E> shard) {
            InjectedFaults.maybeFail("round " + (round + 1) + ", worker " + worker);
            InjectedFaults.maybePause(round + 1);
            String slot = "worker-" + worker;
            LocalTraining.Worker<E> w = WorkerPool.borrow(training.key(), slot, round, training::newWorker);
            try {
                TrainingState start = state.value();
                start.applyTo(w.networks());
                long started = System.nanoTime();
                StepTotals totals = w.train(shard, worker, round, steps).timed((System.nanoTime() - started) / 1e9);
                if (totals.examples() == 0) {
                    return Collections.emptyIterator();
                }
                TrainingState end = TrainingState.capture(w.networks(), start.learningRateScale());
                return Collections.singletonList(new WorkerReport(worker, end, totals)).iterator();
            } finally {
                WorkerPool.release(training.key(), slot, round, w);
            }
        }
    }
}
