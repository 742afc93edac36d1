package io.vcaps.jobs.batch;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.ml.ExecutorModels;
import io.vcaps.spark.WorkerThreads;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Turns one partition of global image numbers g (0 .. S*N-1; set slot g / N, index g % N; a slot is one entity or a
 * set of them, every capsule of the set sampled and the others masked: docs/MODEL.md, "Conditional synthesis and
 * traversals") into
 * {@link SynthesisSchema} rows, lazily. Images are decoded in batches aligned to multiples of {@link #BATCH} within
 * each entity, whatever the partition holds (a batch cut by a partition boundary is decoded whole and the rows
 * outside the partition dropped), so every image comes out of the very same computation, and the same bytes, for
 * any number of partitions or executors. Writes no files: the PNG files are made from the committed rows
 * ({@link MassSynthesis}).
 */
public final class Synthesiser implements FlatMapFunction<Iterator<Long>, Row> {
    private static final long serialVersionUID = 1L;

    /** Images per generator call, and the alignment of the batches. */
    public static final int BATCH = 64;

    private final String bundleId;
    private final Broadcast<byte[]> bundle;
    private final int[][] sets;
    private final long perEntity;
    private final long seed;
    private final double temperature;
    private final int threads;
    private final boolean standardPrior;

    /** @param threads ND4J threads per task ({@link WorkerThreads#plan}; 0: ND4J's default) */
    Synthesiser(String bundleId, Broadcast<byte[]> bundle, int[][] sets, long perEntity, long seed,
            double temperature, int threads, boolean standardPrior) {
        this.bundleId = bundleId;
        this.bundle = bundle;
        this.sets = sets;
        this.perEntity = perEntity;
        this.seed = seed;
        this.temperature = temperature;
        this.threads = threads;
        this.standardPrior = standardPrior;
    }

    @Override
    public Iterator<Row> call(Iterator<Long> numbers) {
        WorkerThreads.apply(threads);
        VcnModel cached = ExecutorModels.get(bundleId, bundle);
        VcnModel model = standardPrior ? cached.withPriors(null) : cached;
        return new Iterator<>() {
            private final List<Row> pending = new ArrayList<>();
            private int next;
            private Long carried;

            @Override
            public boolean hasNext() {
                while (next == pending.size()) {
                    pending.clear();
                    next = 0;
                    Long first = carried != null ? carried : numbers.hasNext() ? numbers.next() : null;
                    carried = null;
                    if (first == null) {
                        return false;
                    }
                    long slot = first / perEntity;
                    long start = first % perEntity;
                    long batchStart = start / BATCH * BATCH;
                    long batchEnd = Math.min(batchStart + BATCH, perEntity);
                    long end = start + 1;
                    while (end < batchEnd && numbers.hasNext()) {
                        long g = numbers.next();
                        if (g != slot * perEntity + end) {
                            carried = g;
                            break;
                        }
                        end++;
                    }
                    decode(model, (int) slot, batchStart, batchEnd, start, end, pending);
                }
                return true;
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

    /** Decodes the aligned batch [batchStart, batchEnd) of set slot {@code slot}, keeping [from, to). */
    private void decode(VcnModel model, int slot, long batchStart, long batchEnd, long from, long to,
            List<Row> out) {
        int[] set = sets[slot];
        int entity = set.length == 1 ? set[0] : -1;
        String name = MassSynthesis.name(model, set);
        Integer[] labels = java.util.Arrays.stream(set).boxed().toArray(Integer[]::new);
        ImageShape shape = model.shape();
        int pixelsPer = shape.pixels();
        VcnModel.Synthesis synthesis = model.synthesise(set, (int) (batchEnd - batchStart), seed,
                temperature, batchStart);
        int skip = (int) (from - batchStart);
        int count = (int) (to - from);
        float[] images = rows(synthesis.images(), skip, count);
        float[] latent = rows(synthesis.latent(), skip, count);
        int latentPer = (int) synthesis.latent().size(1);
        int dim = model.latentDim();
        for (int i = 0; i < count; i++) {
            long index = from + i;
            byte[] pixels = PngImages.pixels(images, i * pixelsPer, pixelsPer, "generated image " + name + "-" + seed
                    + "-" + index);
            Float[] z = new Float[set.length * dim];
            for (int s = 0; s < set.length; s++) {
                for (int j = 0, at = i * latentPer + set[s] * dim; j < dim; j++) {
                    z[s * dim + j] = latent[at + j];
                }
            }
            out.add(RowFactory.create(name + "-" + seed + "-" + index, entity, name, seed, index, temperature, z,
                    entity, labels, shape.height(), shape.width(), shape.channels(), pixels));
        }
    }

    private static float[] rows(INDArray matrix, int skip, int count) {
        long columns = matrix.size(1);
        INDArray slice = matrix.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(skip, skip + count),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        float[] values = slice.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
        if (values.length != count * columns) {
            throw new IllegalStateException("unexpected buffer of " + values.length + " values for " + count + "x"
                    + columns);
        }
        return values;
    }
}
