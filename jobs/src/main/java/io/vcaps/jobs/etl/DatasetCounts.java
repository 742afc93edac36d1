package io.vcaps.jobs.etl;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of a dataset, gathered from its outcomes: images per split and entity, rejects per reason
 * and stage; the rejects themselves are kept too.
 */
final class DatasetCounts implements Serializable {
    private final Map<String, Long> images = new TreeMap<>();
    private final Map<String, long[]> perEntity = new TreeMap<>();
    private final Map<String, Long> rejectsByReason = new TreeMap<>();
    private final Map<String, Long> rejectsByStage = new TreeMap<>();
    private final List<Reject> rejectList = new ArrayList<>();
    private long rejects;
    private int maxLabel = -1;

    /** Counts {@code outcome}; returns this. */
    public DatasetCounts add(Outcome outcome) {
        if (outcome instanceof ImageRecord image) {
            images.merge(image.split(), 1L, Long::sum);
            long[] counts = perEntity.computeIfAbsent(image.split(), s -> new long[0]);
            for (int label : image.labels()) {
                if (label >= counts.length) {
                    counts = Arrays.copyOf(counts, label + 1);
                    perEntity.put(image.split(), counts);
                }
                counts[label]++;
                maxLabel = Math.max(maxLabel, label);
            }
        } else if (outcome instanceof Reject reject) {
            rejects++;
            rejectList.add(reject);
            rejectsByReason.merge(reject.reason(), 1L, Long::sum);
            rejectsByStage.merge(reject.stage(), 1L, Long::sum);
        }
        return this;
    }

    /** Adds {@code other}'s counts to these; returns this. */
    public DatasetCounts merge(DatasetCounts other) {
        other.images.forEach((split, n) -> images.merge(split, n, Long::sum));
        other.perEntity.forEach((split, counts) -> perEntity.merge(split, counts, DatasetCounts::sum));
        other.rejectsByReason.forEach((reason, n) -> rejectsByReason.merge(reason, n, Long::sum));
        other.rejectsByStage.forEach((stage, n) -> rejectsByStage.merge(stage, n, Long::sum));
        rejects += other.rejects;
        rejectList.addAll(other.rejectList);
        maxLabel = Math.max(maxLabel, other.maxLabel);
        return this;
    }

    private static long[] sum(long[] a, long[] b) {
        long[] sum = Arrays.copyOf(a.length >= b.length ? a : b, Math.max(a.length, b.length));
        long[] shorter = a.length >= b.length ? b : a;
        for (int i = 0; i < shorter.length; i++) {
            sum[i] += shorter[i];
        }
        return sum;
    }

    /** Images in {@code split}. */
    public long images(String split) {
        return images.getOrDefault(split, 0L);
    }

    /** Images in all splits. */
    public long images() {
        return images.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Images of {@code split} in which entity {@code label} is present. */
    public long images(String split, int label) {
        long[] counts = perEntity.get(split);
        return counts == null || label >= counts.length ? 0 : counts[label];
    }

    /** The largest entity index seen, -1 for none. */
    public int maxLabel() {
        return maxLabel;
    }

    public long rejects() {
        return rejects;
    }

    /** The rejects counted, in no particular order. */
    public List<Reject> rejectList() {
        return rejectList;
    }

    public Map<String, Long> rejectsByReason() {
        return rejectsByReason;
    }

    public Map<String, Long> rejectsByStage() {
        return rejectsByStage;
    }
}
