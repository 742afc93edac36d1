package io.vcaps.jobs.train;

import io.vcaps.core.vcn.Classification;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.averaging.TrainingState;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Evaluates a training state on held-out examples, on the executors: accuracy (single-label: argmin_k KL_k equals
 * the label; multi-label: the share of per-entity present/absent decisions that are right) and reconstruction
 * error (sum over pixels of the squared error, mean over images, reconstructing from the capsule means masked by
 * the prediction). Only the counts reach the driver.
 */
public final class HeldOutEvaluation {

    private static final int BATCH = 250;

    private HeldOutEvaluation() {
    }

    /** What an evaluation found. */
    public record Result(double accuracy, double reconstructionError, long examples) {
    }

    public static Result run(JavaRDD<Example> heldOut, Broadcast<TrainingState> state, VcnTraining training,
            boolean multiLabel) {
        double[] sums = training.withState(heldOut, state, () -> new double[4],
                        (model, examples) -> evaluate(model, examples, multiLabel))
                .reduce(HeldOutEvaluation::add);
        return new Result(sums[1] == 0 ? Double.NaN : sums[0] / sums[1], sums[3] == 0 ? Double.NaN : sums[2] / sums[3],
                (long) sums[3]);
    }

    /** {correct decisions, decisions, summed reconstruction error, images} of one partition. */
    static double[] evaluate(VcnModel model, Iterator<Example> examples, boolean multiLabel) {
        double[] sums = new double[4];
        List<Example> chunk = new ArrayList<>(BATCH);
        while (examples.hasNext()) {
            chunk.add(examples.next());
            if (chunk.size() == BATCH || !examples.hasNext()) {
                evaluate(model, chunk, multiLabel, sums);
                chunk.clear();
            }
        }
        return sums;
    }

    private static void evaluate(VcnModel model, List<Example> chunk, boolean multiLabel, double[] sums) {
        Minibatch batch = Minibatch.of(chunk, model.shape().pixels(), model.entities(), model.dataType());
        VcnModel.Analysis analysis = model.analyse(batch.images(), multiLabel);
        Classification c = analysis.classification();
        for (int b = 0; b < chunk.size(); b++) {
            int[] present = chunk.get(b).present();
            if (multiLabel) {
                for (int k = 0; k < model.entities(); k++) {
                    boolean truth = false;
                    for (int p : present) {
                        truth |= p == k;
                    }
                    sums[0] += c.present()[b][k] == truth ? 1 : 0;
                    sums[1]++;
                }
            } else {
                sums[0] += present.length == 1 && c.predicted()[b] == present[0] ? 1 : 0;
                sums[1]++;
            }
        }
        INDArray error = analysis.reconstructions().subi(batch.images());
        sums[2] += error.muli(error).sumNumber().doubleValue();
        sums[3] += chunk.size();
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }
}
