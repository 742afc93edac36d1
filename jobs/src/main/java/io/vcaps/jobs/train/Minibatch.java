package io.vcaps.jobs.train;

import io.vcaps.dataset.Pixels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * A batch as the model trains on it: images [B, H*W*C] scaled to [0, 1] and presence targets T [B, K] (1 where
 * the entity is present).
 */
public record Minibatch(INDArray images, INDArray present) {

    /** The examples at {@code positions} of {@code shard}. */
    public static Minibatch of(List<Example> shard, int[] positions, int pixels, int entities, DataType type) {
        float[] x = new float[positions.length * pixels];
        float[] t = new float[positions.length * entities];
        for (int b = 0; b < positions.length; b++) {
            Example e = shard.get(positions[b]);
            Pixels.toUnit(e.pixels(), pixels, x, b * pixels);
            for (int k : e.present()) {
                t[b * entities + k] = 1f;
            }
        }
        return new Minibatch(Nd4j.create(x, new long[]{positions.length, pixels}, 'c').castTo(type),
                Nd4j.create(t, new long[]{positions.length, entities}, 'c').castTo(type));
    }

    /** All of {@code examples}, in order. */
    public static Minibatch of(List<Example> examples, int pixels, int entities, DataType type) {
        int[] all = new int[examples.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return of(examples, all, pixels, entities, type);
    }
}
