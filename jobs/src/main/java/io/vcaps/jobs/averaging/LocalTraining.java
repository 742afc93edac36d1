package io.vcaps.jobs.averaging;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;

/**
 * What each worker of {@link ParameterAveraging} runs: it builds its networks on the executor and takes local
 * training steps on its shard. Implementations are shipped to executors, so they hold recipes (configuration,
 * seeds), never networks or driver paths.
 *
 * @param <E> the element type of the data set's partitions
 */
public interface LocalTraining<E> extends Serializable {

    /** Identifies what {@link #newWorker()} builds, so an executor may reuse a worker across rounds. */
    String key();

    /** Builds a worker with freshly made networks; their values are overwritten from the broadcast state. */
    Worker<E> newWorker();

    /** One worker's networks and local step. Used by one task at a time. */
    interface Worker<E> {

        /** The networks, in the order the training state lists them. */
        List<Network> networks();

        /**
         * Runs up to {@code steps} local steps of round {@code round} on this worker's shard. Everything random
         * must derive from (seed, round, worker), so that a round gives the same result whenever it runs.
         *
         * @param shard the partition's elements; a worker may read them once and keep them for later rounds
         */
        StepTotals train(Iterator<E> shard, int worker, long round, int steps);
    }
}
