package io.vcaps.jobs.averaging;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Workers kept on an executor between rounds, so their networks (and the shard they decoded) are built once per
 * executor rather than once per round. Each worker is lent to one task at a time; workers of other runs are
 * dropped when a new run asks.
 *
 * <p>A shard's worker stays only while this executor keeps running that shard: Spark may move a shard's task to
 * another executor (a lost executor replaced, a busy one passed over), and the worker left behind would otherwise
 * hold its networks and decoded shard for the rest of the run, one more on every executor the shard ever visited.
 * An idle worker last used in a round before the previous one is released when a later round's task borrows or
 * returns one here. The previous round's are kept: an executor with fewer task slots than shards runs them one after
 * another, and a shard it ran last round may still come to it this round.
 */
public final class WorkerPool {

    /** The round of workers that hold no shard (evaluation): never released for want of a round. */
    public static final long ANY_ROUND = -1;

    private static final Map<String, Deque<Idle>> IDLE = new HashMap<>();
    private static String currentKey;
    private static long latestRound = ANY_ROUND;

    private record Idle(Object worker, long round) {
    }

    private WorkerPool() {
    }

    /**
     * An idle worker of {@code key} last used in {@code slot}, or a new one, for a task of {@code round}
     * ({@link #ANY_ROUND} for workers that hold no shard).
     */
    @SuppressWarnings("unchecked")
    public static <W> W borrow(String key, String slot, long round, Supplier<W> factory) {
        synchronized (IDLE) {
            if (!key.equals(currentKey)) {
                IDLE.clear();
                currentKey = key;
                latestRound = ANY_ROUND;
            }
            advanceTo(round);
            Deque<Idle> idle = IDLE.get(slot);
            if (idle != null && !idle.isEmpty()) {
                return (W) idle.pop().worker();
            }
        }
        return factory.get();
    }

    /** Returns a worker borrowed with {@link #borrow} by a task of {@code round}. */
    public static void release(String key, String slot, long round, Object worker) {
        synchronized (IDLE) {
            if (key.equals(currentKey)) {
                advanceTo(round);
                IDLE.computeIfAbsent(slot, s -> new ArrayDeque<>()).push(new Idle(worker, round));
            }
        }
    }

    /** The slots holding an idle worker now: what this executor keeps between tasks. */
    public static Set<String> idleSlots() {
        synchronized (IDLE) {
            Set<String> slots = new TreeSet<>();
            IDLE.forEach((slot, idle) -> {
                if (!idle.isEmpty()) {
                    slots.add(slot);
                }
            });
            return slots;
        }
    }

    /** Notes {@code round} and drops the idle workers of shards this executor ran in neither it nor the one before. */
    private static void advanceTo(long round) {
        if (round <= latestRound) {
            return;
        }
        latestRound = round;
        for (Iterator<Deque<Idle>> slots = IDLE.values().iterator(); slots.hasNext(); ) {
            Deque<Idle> idle = slots.next();
            idle.removeIf(w -> w.round() != ANY_ROUND && w.round() < round - 1);
            if (idle.isEmpty()) {
                slots.remove();
            }
        }
    }
}
