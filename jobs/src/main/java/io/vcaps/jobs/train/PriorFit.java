package io.vcaps.jobs.train;

import io.vcaps.core.vcn.EntityPriors;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.averaging.TrainingState;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Fits the trained model's {@link EntityPriors} on the executors: each partition encodes its share of a sample of
 * the train split and sums the capsule moments of the entities its images show; only those sums (K x D x D
 * numbers) reach the driver, which fits the Gaussians.
 */
final class PriorFit {

    private static final int BATCH = 250;

    private PriorFit() {
    }

    /**
     * @param images about this many train images are sampled (all when there are fewer)
     * @param seed   the sample's seed
     */
    static EntityPriors run(JavaRDD<Example> train, long trainExamples, long images, long seed,
            Broadcast<TrainingState> state, VcnTraining training, int entities, int dim) {
        JavaRDD<Example> sample = images >= trainExamples ? train
                : train.sample(false, (double) images / trainExamples, seed);
        // Merged on the driver in partition order, not by reduce (whose order follows task completion): the same
        // seed gives the same priors to the last bit.
        List<EntityPriors.Moments> parts = training.withState(sample, state,
                () -> new EntityPriors.Moments(entities, dim),
                (model, examples) -> add(model, examples, new EntityPriors.Moments(entities, dim))).collect();
        EntityPriors.Moments moments = new EntityPriors.Moments(entities, dim);
        parts.forEach(moments::merge);
        return moments.fit();
    }

    private static EntityPriors.Moments add(VcnModel model, Iterator<Example> examples, EntityPriors.Moments sums) {
        List<Example> chunk = new ArrayList<>(BATCH);
        while (examples.hasNext()) {
            chunk.add(examples.next());
            if (chunk.size() == BATCH || !examples.hasNext()) {
                Minibatch batch = Minibatch.of(chunk, model.shape().pixels(), model.entities(), model.dataType());
                int[][] present = new int[chunk.size()][];
                for (int b = 0; b < present.length; b++) {
                    present[b] = chunk.get(b).present();
                }
                model.addPriorMoments(batch.images(), present, sums);
                chunk.clear();
            }
        }
        return sums;
    }
}
