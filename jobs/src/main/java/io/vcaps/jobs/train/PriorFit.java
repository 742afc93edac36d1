package io.vcaps.jobs.train;

import io.vcaps.core.vcn.EntityPriors;
import io.vcaps.core.vcn.PresenceThresholds;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.averaging.TrainingState;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Fits the trained model's {@link EntityPriors}, and on multi-label data its {@link PresenceThresholds}, on the
 * executors: each partition encodes its share of a sample of the train split and sums the capsule moments of the
 * entities its images show (K x D x D numbers) and, for the thresholds, keeps each image's K KLs; only those reach
 * the driver, which fits the Gaussians and the thresholds.
 */
final class PriorFit {

    private static final int BATCH = 250;

    private PriorFit() {
    }

    /** What was fitted: the priors, and the thresholds (null for single-label data). */
    record Fitted(EntityPriors priors, PresenceThresholds thresholds) {
    }

    /** One partition's share. */
    private record Part(EntityPriors.Moments moments, PresenceThresholds.Sample kls) implements Serializable {
    }

    /**
     * @param images     about this many train images are sampled (all when there are fewer)
     * @param seed       the sample's seed
     * @param multiLabel whether to fit presence thresholds too
     * @param fallback   the threshold of an entity the sample shows always or never
     */
    static Fitted run(JavaRDD<Example> train, long trainExamples, long images, long seed,
            Broadcast<TrainingState> state, VcnTraining training, int entities, int dim, boolean multiLabel,
            double fallback) {
        JavaRDD<Example> sample = images >= trainExamples ? train
                : train.sample(false, (double) images / trainExamples, seed);
        // Merged on the driver in partition order, not by reduce (whose order follows task completion): the same
        // seed gives the same priors and thresholds to the last bit.
        List<Part> parts = training.withState(sample, state,
                () -> part(entities, dim, multiLabel),
                (model, examples) -> add(model, examples, part(entities, dim, multiLabel))).collect();
        Part all = part(entities, dim, multiLabel);
        for (Part p : parts) {
            all.moments().merge(p.moments());
            if (multiLabel) {
                all.kls().merge(p.kls());
            }
        }
        return new Fitted(all.moments().fit(), multiLabel ? all.kls().fit(fallback) : null);
    }

    private static Part part(int entities, int dim, boolean multiLabel) {
        return new Part(new EntityPriors.Moments(entities, dim),
                multiLabel ? new PresenceThresholds.Sample(entities) : null);
    }

    private static Part add(VcnModel model, Iterator<Example> examples, Part sums) {
        List<Example> chunk = new ArrayList<>(BATCH);
        while (examples.hasNext()) {
            chunk.add(examples.next());
            if (chunk.size() == BATCH || !examples.hasNext()) {
                Minibatch batch = Minibatch.of(chunk, model.shape().pixels(), model.entities(), model.dataType());
                int[][] present = new int[chunk.size()][];
                for (int b = 0; b < present.length; b++) {
                    present[b] = chunk.get(b).present();
                }
                model.addPriorMoments(batch.images(), present, sums.moments(), sums.kls());
                chunk.clear();
            }
        }
        return sums;
    }
}
