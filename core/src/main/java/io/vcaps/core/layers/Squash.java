package io.vcaps.core.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The capsule non-linearity of Sabour et al.: v = |s|^2 / (1 + |s|^2) * s / sqrt(|s|^2 + eps), which keeps a
 * vector's direction and maps its length into [0, 1). Written twice over the same formula: for rows of an ND4J
 * matrix (primary capsules) and for one vector inside a plain array (the routing kernel).
 */
public final class Squash {

    static final double EPS = 1e-8;

    private Squash() {
    }

    /** f(n2) with v = f(n2) s. */
    static double scale(double n2) {
        return n2 / (1 + n2) / Math.sqrt(n2 + EPS);
    }

    /** f'(n2). */
    static double scaleDerivative(double n2) {
        double root = Math.sqrt(n2 + EPS);
        return 1 / ((1 + n2) * (1 + n2) * root) - 0.5 * n2 / ((1 + n2) * root * (n2 + EPS));
    }

    /** v[vOff..] = squash(s[sOff..]) over {@code dim} entries. */
    static void forward(double[] s, int sOff, double[] v, int vOff, int dim) {
        double n2 = 0;
        for (int i = 0; i < dim; i++) {
            n2 += s[sOff + i] * s[sOff + i];
        }
        double f = scale(n2);
        for (int i = 0; i < dim; i++) {
            v[vOff + i] = f * s[sOff + i];
        }
    }

    /** ds[dsOff..] = (dv/ds)^T dv: f dv + 2 f'(n2) (s . dv) s. */
    static void backward(double[] s, int sOff, double[] dv, int dvOff, double[] ds, int dsOff, int dim) {
        double n2 = 0;
        double sdv = 0;
        for (int i = 0; i < dim; i++) {
            n2 += s[sOff + i] * s[sOff + i];
            sdv += s[sOff + i] * dv[dvOff + i];
        }
        double f = scale(n2);
        double g = 2 * scaleDerivative(n2) * sdv;
        for (int i = 0; i < dim; i++) {
            ds[dsOff + i] = f * dv[dvOff + i] + g * s[sOff + i];
        }
    }

    /** Squashes each row of {@code s} [rows, dim]; returns a new array. */
    static INDArray rows(INDArray s) {
        INDArray n2 = s.mul(s).sum(true, 1);
        INDArray f = n2.div(n2.add(1)).divi(Transforms.sqrt(n2.add(EPS), false));
        return s.mulColumnVector(f);
    }

    /** Backward of {@link #rows}: ds = f dv + 2 f'(n2) (s . dv) s, row by row. */
    static INDArray rowsBackward(INDArray s, INDArray dv) {
        INDArray n2 = s.mul(s).sum(true, 1);
        INDArray sdv = s.mul(dv).sum(true, 1);
        INDArray root = Transforms.sqrt(n2.add(EPS), false);
        INDArray onePlus = n2.add(1);
        INDArray f = n2.div(onePlus).divi(root);
        INDArray fPrime = onePlus.mul(onePlus).muli(root).rdivi(1)
                .subi(n2.mul(0.5).divi(onePlus.mul(root).muli(n2.add(EPS))));
        return dv.mulColumnVector(f).addi(s.mulColumnVector(fPrime.muli(sdv).muli(2)));
    }
}
