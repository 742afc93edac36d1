package io.vcaps.jobs.averaging;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * Workers (networks and their buffers) kept on an executor between tasks, so that they are built once per task
 * slot rather than once per round. Workers are interchangeable: any worker can run any shard's task, because a
 * task first writes the broadcast state into its networks. So an executor holds as many as it ever ran tasks at
 * once (its cores), however many logical workers the run has; what belongs to one shard is kept apart
 * ({@link ShardCache}). Workers of another run are dropped when a new run asks.
 */
public final class WorkerPool {

    private static final Deque<Object> IDLE = new ArrayDeque<>();
    private static String currentKey;
    private static int built;

    private WorkerPool() {
    }

    /** An idle worker of {@code key}, or a new one. */
    @SuppressWarnings("unchecked")
    public static <W> W borrow(String key, Supplier<W> factory) {
        synchronized (IDLE) {
            if (!key.equals(currentKey)) {
                IDLE.clear();
                currentKey = key;
                built = 0;
            }
            if (!IDLE.isEmpty()) {
                return (W) IDLE.pop();
            }
            built++;
        }
        return factory.get();
    }

    /** Returns a worker borrowed with {@link #borrow}. */
    public static void release(String key, Object worker) {
        synchronized (IDLE) {
            if (key.equals(currentKey)) {
                IDLE.push(worker);
            }
        }
    }

    /** Workers of the current key this executor has built: at most the tasks it ran at once. */
    public static int built() {
        synchronized (IDLE) {
            return built;
        }
    }
}
