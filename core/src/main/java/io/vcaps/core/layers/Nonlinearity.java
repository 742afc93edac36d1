package io.vcaps.core.layers;

import io.vcaps.core.kernels.HostView;
import io.vcaps.core.kernels.Squash;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.LeakyReLU;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.LeakyReLUDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SigmoidDerivative;
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

    /**
     * dz = dL/dz from dL/dout and z, into {@code dz}. Each elementwise case is f'(z) by a plain transform, then one
     * multiply: libnd4j's fused gradient ops (ThresholdReluBp, LeakyReLUBp, SigmoidDerivative with dL/dout) ran
     * 5-7x slower here (70 against 10 ms for conv1's 10M values).
     */
    INDArray backward(INDArray z, INDArray dOut, INDArray dz, int capsuleDim) {
        switch (this) {
            case RELU -> Nd4j.exec(new Step(z, dz, 0.0)).muli(dOut);
            case LEAKY_RELU -> Nd4j.exec(new LeakyReLUDerivative(z, dz, LEAK)).muli(dOut);
            case SIGMOID -> Nd4j.exec(new SigmoidDerivative(z, dz)).muli(dOut);
            case IDENTITY -> dz.assign(dOut);
            case SQUASH -> Squash.rowsBackward(HostView.contiguousCopy(z), HostView.contiguousCopy(dOut), dz,
                    capsuleDim);
        }
        return dz;
    }
}
