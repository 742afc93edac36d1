package io.vcaps.core.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runs {@link VariationalHeads} as one batched product over capsules: [K, B, capsuleDim] x [K, capsuleDim, 2D]. */
public class VariationalHeadsLayer extends KernelLayer<VariationalHeads> {

    public VariationalHeadsLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        VariationalHeads c = layerConf();
        int batch = (int) input.size(0);
        INDArray vT = buffer("vT", c.getCapsules(), batch, c.getCapsuleDim());
        vT.assign(input.reshape('c', batch, c.getCapsules(), c.getCapsuleDim()).permute(1, 0, 2));
        INDArray outT = buffer("outT", c.getCapsules(), batch, 2L * c.getLatentDim());
        Nd4j.matmul(vT, getParam("W"), outT);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, c.getNOut()}, 'c');
        out.reshape('c', batch, c.getCapsules(), 2L * c.getLatentDim()).assign(outT.permute(1, 0, 2));
        out.addiRowVector(getParam("b").reshape(c.getNOut()));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        VariationalHeads c = layerConf();
        int batch = (int) input.size(0);
        INDArray dOutT = buffer("dOutT", c.getCapsules(), batch, 2L * c.getLatentDim());
        dOutT.assign(epsilon.reshape('c', batch, c.getCapsules(), 2L * c.getLatentDim()).permute(1, 0, 2));
        INDArray vT = buffer("vT", c.getCapsules(), batch, c.getCapsuleDim());
        Nd4j.matmul(vT, dOutT, gradientViews.get("W"), true, false, false);
        gradientViews.get("b").assign(epsilon.sum(0).reshape(c.getCapsules(), 2L * c.getLatentDim()));
        INDArray dvT = buffer("dvT", c.getCapsules(), batch, c.getCapsuleDim());
        Nd4j.matmul(dOutT, getParam("W"), dvT, false, true, false);
        INDArray dv = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        dv.reshape('c', batch, c.getCapsules(), c.getCapsuleDim()).assign(dvT.permute(1, 0, 2));
        return new Pair<>(gradientOfViews(), dv);
    }
}
