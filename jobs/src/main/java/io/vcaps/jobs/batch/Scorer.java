package io.vcaps.jobs.batch;

import io.vcaps.core.vcn.Classification;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.LabelledImages;
import io.vcaps.dataset.Pixels;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.WorkerThreads;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Scores one partition of {@link LabelledImages} rows in minibatches with the task thread's own model (capsule
 * means, so deterministic) and yields rows of {@link ClassificationSchema}, lazily: a partition is never held whole.
 */
final class Scorer implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;

    private final String bundleId;
    private final Broadcast<byte[]> bundle;
    private final int batchSize;
    private final int threads;

    /** @param threads ND4J threads per task ({@link WorkerThreads#plan}; 0: ND4J's default) */
    Scorer(String bundleId, Broadcast<byte[]> bundle, int batchSize, int threads) {
        this.bundleId = bundleId;
        this.bundle = bundle;
        this.batchSize = batchSize;
        this.threads = threads;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        WorkerThreads.apply(threads);
        VcnModel model = ExecutorModels.get(bundleId, bundle);
        return new Iterator<>() {
            private final List<Row> pending = new ArrayList<>();
            private int next;

            @Override
            public boolean hasNext() {
                if (next == pending.size()) {
                    pending.clear();
                    next = 0;
                    score(model, input, pending);
                }
                return next < pending.size();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return pending.get(next++);
            }
        };
    }

    /** Scores the next minibatch of {@code input} into {@code out}; nothing when the input is done. */
    private void score(VcnModel model, Iterator<Row> input, List<Row> out) {
        int pixels = model.shape().pixels();
        int k = model.entities();
        List<Row> batch = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && input.hasNext()) {
            batch.add(input.next());
        }
        if (batch.isEmpty()) {
            return;
        }
        float[] x = new float[batch.size() * pixels];
        for (int b = 0; b < batch.size(); b++) {
            Row row = batch.get(b);
            Pixels.toUnit(row.getString(LabelledImages.ID), (byte[]) row.get(LabelledImages.PIXELS), model.shape(), x,
                    b * pixels);
            checkLabels(row, k);
        }
        INDArray images = Nd4j.create(x, new long[] {batch.size(), pixels}, DataType.FLOAT);
        Classification c = model.classify(images);
        for (int b = 0; b < batch.size(); b++) {
            Row row = batch.get(b);
            float[] kl = new float[k];
            List<Integer> present = new ArrayList<>();
            for (int e = 0; e < k; e++) {
                kl[e] = (float) c.kl()[b][e];
                if (c.present()[b][e]) {
                    present.add(e);
                }
            }
            int predicted = c.predicted()[b];
            out.add(RowFactory.create(row.getString(LabelledImages.ID), predicted, model.entityNames().get(predicted),
                    present.toArray(new Integer[0]), boxed(kl), c.score()[b], c.unknown()[b],
                    row.isNullAt(LabelledImages.LABEL) ? null : row.getInt(LabelledImages.LABEL),
                    row.isNullAt(LabelledImages.LABELS)
                            ? null : row.getList(LabelledImages.LABELS).toArray(new Integer[0]),
                    bundleId));
        }
    }

    private static void checkLabels(Row row, int k) {
        if (!row.isNullAt(LabelledImages.LABEL)
                && (row.getInt(LabelledImages.LABEL) < 0 || row.getInt(LabelledImages.LABEL) >= k)) {
            throw new JobFailure("image " + row.getString(LabelledImages.ID) + " has label "
                    + row.getInt(LabelledImages.LABEL)
                    + ", outside the model's " + k + " entities; is the dataset's metadata missing?");
        }
        if (row.isNullAt(LabelledImages.LABELS)) {
            return;
        }
        for (Object label : row.getList(LabelledImages.LABELS)) {
            if (label == null || (Integer) label < 0 || (Integer) label >= k) {
                throw new JobFailure("image " + row.getString(LabelledImages.ID) + " has a label outside the model's "
                        + k + " entities (" + row.get(LabelledImages.LABELS) + "); is the dataset's metadata missing?");
            }
        }
    }

    private static Float[] boxed(float[] values) {
        Float[] out = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
