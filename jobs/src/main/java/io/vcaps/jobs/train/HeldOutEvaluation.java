package io.vcaps.jobs.train;

import io.vcaps.core.vcn.Classification;
import io.vcaps.core.vcn.MultiLabelMeasures;
import io.vcaps.core.vcn.PresenceThresholds;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.averaging.TrainingState;
import io.vcaps.jobs.run.MetricsLine;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a training state on held-out examples, on the executors: single-label data's accuracy (argmin_k KL_k
 * equals the label) or multi-label data's {@link MultiLabelMeasures}, and the reconstruction error (sum over pixels
 * of the squared error, mean over images, reconstructing from the capsule means masked by the prediction). Only
 * counts and the multi-label scores reach the driver.
 */
final class HeldOutEvaluation {

    private static final int BATCH = 250;

    private HeldOutEvaluation() {
    }

    /**
     * What an evaluation found.
     *
     * @param accuracy   single-label accuracy; NaN for multi-label data
     * @param multiLabel multi-label data's measures; null for single-label data
     */
    public record Result(double accuracy, MultiLabelMeasures multiLabel, double reconstructionError, long examples) {

        /** The name of the measure that selects the best model: accuracy, or {@link MultiLabelMeasures#SELECTED}. */
        public String selectedMeasure() {
            return multiLabel == null ? MetricsLine.ACCURACY : MultiLabelMeasures.SELECTED;
        }

        public double selected() {
            return multiLabel == null ? accuracy : multiLabel.selected();
        }

        /** The measures by name: accuracy alone, or the multi-label means. */
        public Map<String, Double> measures() {
            if (multiLabel != null) {
                return multiLabel.means();
            }
            Map<String, Double> out = new LinkedHashMap<>();
            out.put(MetricsLine.ACCURACY, accuracy);
            return out;
        }
    }

    /** What one partition found; merged on the way to the driver. */
    static final class Sums implements Serializable {
        private static final long serialVersionUID = 1L;
        long correct;
        long images;
        double squaredError;
        final MultiLabelMeasures multiLabel;

        Sums(int entities, boolean multiLabel) {
            this.multiLabel = multiLabel ? new MultiLabelMeasures(entities) : null;
        }

        Sums add(Sums o) {
            correct += o.correct;
            images += o.images;
            squaredError += o.squaredError;
            if (multiLabel != null) {
                multiLabel.merge(o.multiLabel);
            }
            return this;
        }

        Result result() {
            double error = images == 0 ? Double.NaN : squaredError / images;
            if (multiLabel != null) {
                return new Result(Double.NaN, multiLabel, error, images);
            }
            return new Result(images == 0 ? Double.NaN : (double) correct / images, null, error, images);
        }
    }

    public static Result run(JavaRDD<Example> heldOut, Broadcast<TrainingState> state, VcnTraining training,
            boolean multiLabel) {
        return run(heldOut, state, training, multiLabel, null);
    }

    /** As {@link #run(JavaRDD, Broadcast, VcnTraining, boolean)}, deciding presence by {@code thresholds}. */
    public static Result run(JavaRDD<Example> heldOut, Broadcast<TrainingState> state, VcnTraining training,
            boolean multiLabel, PresenceThresholds thresholds) {
        int entities = training.entities();
        return training.withState(heldOut, state, () -> new Sums(entities, multiLabel),
                        (model, examples) -> evaluate(model.withThresholds(thresholds), examples, multiLabel))
                .reduce(Sums::add).result();
    }

    /** The sums of one partition. */
    static Sums evaluate(VcnModel model, Iterator<Example> examples, boolean multiLabel) {
        Sums sums = new Sums(model.entities(), multiLabel);
        List<Example> chunk = new ArrayList<>(BATCH);
        while (examples.hasNext()) {
            chunk.add(examples.next());
            if (chunk.size() == BATCH || !examples.hasNext()) {
                evaluate(model, chunk, sums);
                chunk.clear();
            }
        }
        return sums;
    }

    private static void evaluate(VcnModel model, List<Example> chunk, Sums sums) {
        Minibatch batch = Minibatch.of(chunk, model.shape().pixels(), model.entities(), model.dataType());
        VcnModel.Analysis analysis = model.analyse(batch.images(), sums.multiLabel != null);
        Classification c = analysis.classification();
        for (int b = 0; b < chunk.size(); b++) {
            int[] present = chunk.get(b).present();
            if (sums.multiLabel != null) {
                boolean[] truth = new boolean[model.entities()];
                for (int p : present) {
                    truth[p] = true;
                }
                sums.multiLabel.add(truth, c.present()[b], c.kl()[b]);
            } else {
                sums.correct += present.length == 1 && c.predicted()[b] == present[0] ? 1 : 0;
            }
        }
        INDArray error = analysis.reconstructions().subi(batch.images());
        sums.squaredError += error.muli(error).sumNumber().doubleValue();
        sums.images += chunk.size();
    }
}
