package io.vcaps.jobs.averaging;

import java.io.Serializable;

/**
 * What one worker sends towards the averaging of one chunk: its example weight, the chunk's bytes of its state
 * (null when its losses or parameters were not finite), and, with chunk 0 only, its {@link WorkerSummary}.
 */
record StatePiece(int worker, double weight, byte[] values, WorkerSummary summary) implements Serializable {

    /** Shuffle key: chunk first, worker second, so that a chunk's pieces arrive sorted by worker. */
    static long key(int chunk, int worker) {
        return ((long) chunk << 32) | (worker & 0xffffffffL);
    }

    static int chunk(long key) {
        return (int) (key >>> 32);
    }
}
