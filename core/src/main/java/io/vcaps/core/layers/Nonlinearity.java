package io.vcaps.core.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.LeakyReLU;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.LeakyReLUBp;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SigmoidDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What follows a vcaps convolution or dense layer: ReLU, LeakyReLU(0.2), sigmoid, nothing (identity), or squashing
 * each group of {@code capsuleDim} consecutive channels into a capsule. Forward and backward over a [positions,
 * channels] matrix of pre-activations z.
 */
public enum Nonlinearity {
    RELU, LEAKY_RELU, SIGMOID, IDENTITY, SQUASH;

    static final double LEAK = 0.2;

    /** out = f(z); out may be a view. */
    void forward(INDArray z, INDArray out, int capsuleDim) {
        switch (this) {
            case RELU -> Nd4j.exec(new RectifiedLinear(z, out, 0.0));
            case LEAKY_RELU -> Nd4j.exec(new LeakyReLU(z, out, LEAK));
            case SIGMOID -> Nd4j.exec(new Sigmoid(z, out));
            case IDENTITY -> out.assign(z);
            case SQUASH -> {
                INDArray target = HostView.contiguous(out) ? out
                        : Nd4j.createUninitialized(out.dataType(), out.shape());
                Squash.rows(HostView.contiguousCopy(z), target, capsuleDim);
                if (target != out) {
                    out.assign(target);
                }
            }
        }
    }

    /** dL/dz from dL/dout and z. */
    INDArray backward(INDArray z, INDArray dOut, int capsuleDim) {
        INDArray dz = Nd4j.createUninitialized(z.dataType(), z.shape());
        switch (this) {
            case RELU -> Nd4j.exec(new ThresholdReluBp(z, dOut, dz, 0.0));
            case LEAKY_RELU -> Nd4j.exec(new LeakyReLUBp(z, dOut, dz, LEAK));
            case SIGMOID -> Nd4j.exec(new SigmoidDerivative(z, dOut, dz));
            case IDENTITY -> dz.assign(dOut);
            case SQUASH -> Squash.rowsBackward(HostView.contiguousCopy(z), HostView.contiguousCopy(dOut), dz,
                    capsuleDim);
        }
        return dz;
    }
}
