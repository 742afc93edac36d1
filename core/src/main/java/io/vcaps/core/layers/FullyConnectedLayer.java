package io.vcaps.core.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runs {@link FullyConnected}: z = x W + b, out = f(z); backward dW = x^T dz, db = sum of dz, dx = dz W^T. */
public class FullyConnectedLayer extends KernelLayer<FullyConnected> {

    public FullyConnectedLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        FullyConnected c = layerConf();
        long batch = input.size(0);
        INDArray z = buffer("z", batch, c.getNOut());
        Nd4j.gemm(input.castTo(dataType), getParam("W"), z, false, false, 1.0, 0.0);
        z.addiRowVector(getParam("b"));
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, c.getNOut()}, 'c');
        c.getNonlinearity().forward(z, out, 0);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        FullyConnected c = layerConf();
        long batch = input.size(0);
        INDArray dz = preActivationGradient(c.getNonlinearity(), buffer("z", batch, c.getNOut()), epsilon, 0);
        Nd4j.gemm(input.castTo(dataType), dz, gradientViews.get("W"), true, false, 1.0, 0.0);
        biasGradient(dz);
        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        Nd4j.gemm(dz, getParam("W"), dx, false, true, 1.0, 0.0);
        return new Pair<>(gradientOfViews(), dx);
    }
}
