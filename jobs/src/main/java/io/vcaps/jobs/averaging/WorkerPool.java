package io.vcaps.jobs.averaging;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Workers kept on an executor between rounds, so their networks (and whatever they cached) are built once per
 * executor rather than once per round. Each worker is lent to one task at a time; workers of other runs are
 * dropped when a new run asks.
 */
public final class WorkerPool {

    private static final Map<String, Deque<Object>> IDLE = new HashMap<>();
    private static String currentKey;

    private WorkerPool() {
    }

    /** An idle worker of {@code key} last used in {@code slot}, or a new one. */
    @SuppressWarnings("unchecked")
    public static <W> W borrow(String key, String slot, Supplier<W> factory) {
        synchronized (IDLE) {
            if (!key.equals(currentKey)) {
                IDLE.clear();
                currentKey = key;
            }
            Deque<Object> idle = IDLE.get(slot);
            if (idle != null && !idle.isEmpty()) {
                return (W) idle.pop();
            }
        }
        return factory.get();
    }

    /** Returns a worker borrowed with {@link #borrow}. */
    public static void release(String key, String slot, Object worker) {
        synchronized (IDLE) {
            if (key.equals(currentKey)) {
                IDLE.computeIfAbsent(slot, s -> new ArrayDeque<>()).push(worker);
            }
        }
    }
}
