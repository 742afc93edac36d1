package io.vcaps.jobs.averaging;

import java.util.SplittableRandom;

/**
 * Which examples of its shard a worker trains on, as a function of (seed, worker, round, step) alone. The worker's
 * shard, sorted by id, is read as an endless stream of passes, each pass a fresh shuffle seeded by (seed, worker,
 * pass); local step j of round r takes the next {@code batch} positions, [(r * steps + j) * batch, ...). Passes run
 * on without gaps, so every example of the shard is used once per pass.
 */
public final class MinibatchOrder {

    private final long seed;
    private final int worker;
    private final int size;
    private final int batch;
    private final int stepsPerRound;
    private long pass = -1;
    private int[] permutation;

    /**
     * @param size          examples in the worker's shard
     * @param stepsPerRound local steps per round (the averaging frequency)
     */
    public MinibatchOrder(long seed, int worker, int size, int batch, int stepsPerRound) {
        if (size <= 0 || batch <= 0 || stepsPerRound <= 0) {
            throw new IllegalArgumentException("shard size, batch and steps must be positive: " + size + ", " + batch
                    + ", " + stepsPerRound);
        }
        this.seed = seed;
        this.worker = worker;
        this.size = size;
        this.batch = batch;
        this.stepsPerRound = stepsPerRound;
    }

    /** Positions in the sorted shard of the examples of local step {@code step} of round {@code round}. */
    public int[] batch(long round, int step) {
        int[] out = new int[batch];
        long first = (round * stepsPerRound + step) * (long) batch;
        for (int i = 0; i < batch; i++) {
            long position = first + i;
            out[i] = permutation(position / size)[(int) (position % size)];
        }
        return out;
    }

    private int[] permutation(long p) {
        if (p != pass) {
            int[] perm = new int[size];
            for (int i = 0; i < size; i++) {
                perm[i] = i;
            }
            SplittableRandom random = new SplittableRandom(Seeds.shuffle(seed, worker, p));
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            permutation = perm;
            pass = p;
        }
        return permutation;
    }
}
