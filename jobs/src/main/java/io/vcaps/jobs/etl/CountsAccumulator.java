package io.vcaps.jobs.etl;

import org.apache.spark.util.AccumulatorV2;

/**
 * Gathers {@link DatasetCounts} and the rejects themselves while the dataset is written. Updated in
 * the write job's only stage, so Spark applies each task's update exactly once (retried and
 * speculative attempts are not counted twice).
 */
final class CountsAccumulator extends AccumulatorV2<Outcome, DatasetCounts> {
    private DatasetCounts counts = new DatasetCounts();

    @Override
    public boolean isZero() {
        return counts.images() == 0 && counts.rejects() == 0;
    }

    @Override
    public AccumulatorV2<Outcome, DatasetCounts> copy() {
        CountsAccumulator copy = new CountsAccumulator();
        copy.counts = new DatasetCounts().merge(counts);
        return copy;
    }

    @Override
    public void reset() {
        counts = new DatasetCounts();
    }

    @Override
    public void add(Outcome outcome) {
        counts.add(outcome);
    }

    @Override
    public void merge(AccumulatorV2<Outcome, DatasetCounts> other) {
        counts.merge(other.value());
    }

    @Override
    public DatasetCounts value() {
        return counts;
    }
}
