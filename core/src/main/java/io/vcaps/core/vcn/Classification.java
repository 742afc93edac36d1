package io.vcaps.core.vcn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The existence scores of a batch and what follows from them: the single-label prediction argmin_k KL_k with its
 * score softmax_k(-KL_k), the multi-label set {k : KL_k < tau_k}, and "unknown" when no capsule is under its tau.
 */
public record Classification(double[][] kl, int[] predicted, double[] score, boolean[][] present,
        boolean[] unknown) {

    static Classification of(INDArray kl, double[] thresholds) {
        int batch = (int) kl.size(0);
        int capsules = (int) kl.size(1);
        double[][] values = kl.toDoubleMatrix();
        INDArray probabilities = Transforms.softmax(kl.neg().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), false);
        int[] predicted = Nd4j.argMin(kl, 1).toIntVector();
        double[] score = new double[batch];
        boolean[][] present = new boolean[batch][capsules];
        boolean[] unknown = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            score[b] = probabilities.getDouble(b, predicted[b]);
            boolean any = false;
            for (int k = 0; k < capsules; k++) {
                present[b][k] = values[b][k] < thresholds[k];
                any |= present[b][k];
            }
            unknown[b] = !any;
        }
        return new Classification(values, predicted, score, present, unknown);
    }

    public int size() {
        return predicted.length;
    }
}
