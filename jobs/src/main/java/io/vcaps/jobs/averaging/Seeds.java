package io.vcaps.jobs.averaging;

/**
 * Seeds derived from (seed, round, worker) and the like by mixing, never drawn from a generator's history, so a
 * round resumed from a checkpoint gets the same data and noise as it would have without the interruption.
 */
public final class Seeds {

    private Seeds() {
    }

    /** The noise seed (eps, prior samples) of {@code worker}'s steps in {@code round}. */
    public static long noise(long seed, long round, int worker) {
        return mix(mix(mix(seed, 0x6e6f697365L), round), worker);
    }

    /** The seed of {@code worker}'s shuffle of its shard for its {@code epoch}-th pass. */
    public static long shuffle(long seed, int worker, long epoch) {
        return mix(mix(mix(seed, 0x73687566666cL), worker), epoch);
    }

    /** A stable hash of an example id (String.hashCode is specified, so it is the same on every JVM). */
    public static long of(String id) {
        return mix(id.hashCode(), id.length());
    }

    /** SplitMix64's finaliser over {@code a} and {@code b}. */
    public static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
