package io.vcaps.jobs.averaging;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * What a local training keeps of each shard on an executor between rounds (its decoded examples, their order), so
 * that a shard is read once per executor rather than once per round, while the networks that train it are pooled
 * apart ({@link WorkerPool}).
 *
 * <p>A shard's entry stays only while this executor keeps running that shard: Spark may move a shard's task to
 * another executor (a lost executor replaced, a busy one passed over), and the entry left behind would otherwise
 * hold its examples for the rest of the run. An entry last used in a round before the previous one is dropped when a
 * later round's task asks here. The previous round's are kept: an executor with fewer task slots than shards runs
 * them one after another, and a shard it ran last round may still come to it this round.
 */
public final class ShardCache {

    private static final Map<Integer, Entry> SHARDS = new HashMap<>();
    private static String currentKey;
    private static long latestRound = -1;

    private record Entry(Object shard, long round) {
    }

    private ShardCache() {
    }

    /** Shard {@code worker}'s entry for a task of {@code round}, read by {@code reader} when this executor has none. */
    @SuppressWarnings("unchecked")
    public static <S> S get(String key, int worker, long round, Supplier<S> reader) {
        synchronized (SHARDS) {
            if (!key.equals(currentKey)) {
                SHARDS.clear();
                currentKey = key;
                latestRound = -1;
            }
            advanceTo(round);
            Entry entry = SHARDS.get(worker);
            if (entry != null) {
                SHARDS.put(worker, new Entry(entry.shard(), Math.max(round, entry.round())));
                return (S) entry.shard();
            }
        }
        S shard = reader.get();
        synchronized (SHARDS) {
            if (key.equals(currentKey)) {
                SHARDS.put(worker, new Entry(shard, round));
            }
        }
        return shard;
    }

    /** The shards this executor keeps now. */
    public static Set<Integer> shards() {
        synchronized (SHARDS) {
            return new TreeSet<>(SHARDS.keySet());
        }
    }

    /** Notes {@code round} and drops the shards this executor ran in neither it nor the one before. */
    private static void advanceTo(long round) {
        if (round <= latestRound) {
            return;
        }
        latestRound = round;
        for (Iterator<Entry> entries = SHARDS.values().iterator(); entries.hasNext(); ) {
            if (entries.next().round() < round - 1) {
                entries.remove();
            }
        }
    }
}
