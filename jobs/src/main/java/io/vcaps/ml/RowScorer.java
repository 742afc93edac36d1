package io.vcaps.ml;

import io.vcaps.core.vcn.Classification;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.Pixels;
import io.vcaps.spark.JobFailure;
import io.vcaps.spark.WorkerThreads;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Scores one partition in minibatches of {@code batchSize} input rows with the task thread's own model (capsule
 * means, so the same rows and batch size give the same output), lazily: a partition is never held whole. Each
 * output row is the input row followed by the {@link ScoreColumns}; rows that cannot be scored are kept with a
 * reason, dropped, or fail the task, by {@code handleInvalid}.
 */
final class RowScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final String bundleId;
    private final Broadcast<byte[]> bundle;
    private final ImageInput input;
    private final int batchSize;
    private final String handleInvalid;
    private final int threads;

    /** @param threads ND4J threads per task ({@link WorkerThreads#plan}; 0: ND4J's default) */
    RowScorer(String bundleId, Broadcast<byte[]> bundle, ImageInput input, int batchSize, String handleInvalid,
            int threads) {
        this.bundleId = bundleId;
        this.bundle = bundle;
        this.input = input;
        this.batchSize = batchSize;
        this.handleInvalid = handleInvalid;
        this.threads = threads;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        WorkerThreads.apply(threads);
        VcnModel model = ExecutorModels.get(bundleId, bundle);
        return new Iterator<>() {
            private final List<Row> pending = new ArrayList<>();
            private int next;

            @Override
            public boolean hasNext() {
                while (next == pending.size() && rows.hasNext()) {
                    pending.clear();
                    next = 0;
                    score(model, rows, pending);
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

    /** Scores the next {@code batchSize} rows of {@code rows} into {@code out}, in their order. */
    private void score(VcnModel model, Iterator<Row> rows, List<Row> out) {
        int pixels = model.shape().pixels();
        List<Row> batch = new ArrayList<>(batchSize);
        List<InvalidImage> invalid = new ArrayList<>(batchSize);
        float[] x = new float[batchSize * pixels];
        int valid = 0;
        while (batch.size() < batchSize && rows.hasNext()) {
            Row row = rows.next();
            try {
                Pixels.toUnit(input.pixels(row), pixels, x, valid * pixels);
                valid++;
                invalid.add(null);
            } catch (InvalidImage e) {
                if (handleInvalid.equals(VcapsModel.ERROR)) {
                    throw new JobFailure("image " + input.name(row) + " " + e.getMessage());
                }
                invalid.add(e);
            }
            batch.add(row);
        }
        Classification c = valid == 0 ? null
                : model.classify(Nd4j.create(valid == batchSize ? x : Arrays.copyOf(x, valid * pixels),
                        new long[] {valid, pixels}, DataType.FLOAT));
        int scored = 0;
        for (int i = 0; i < batch.size(); i++) {
            Row row = batch.get(i);
            InvalidImage why = invalid.get(i);
            Object[] values = new Object[row.length() + ScoreColumns.COUNT];
            for (int f = 0; f < row.length(); f++) {
                values[f] = row.get(f);
            }
            if (why == null) {
                try {
                    ScoreColumns.values(c, scored++, model.entityNames(), values, row.length());
                } catch (InvalidImage e) {
                    if (handleInvalid.equals(VcapsModel.ERROR)) {
                        throw new JobFailure("image " + input.name(row) + " " + e.getMessage());
                    }
                    why = e;
                }
            }
            if (why != null && handleInvalid.equals(VcapsModel.SKIP)) {
                continue;
            }
            if (why != null) {
                ScoreColumns.invalid(why, values, row.length());
            }
            out.add(RowFactory.create(values));
        }
    }
}
