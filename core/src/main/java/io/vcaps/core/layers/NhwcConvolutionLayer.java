package io.vcaps.core.layers;

import io.vcaps.core.kernels.DirectConvolution;
import io.vcaps.core.kernels.Patches;
import io.vcaps.core.kernels.TapConvolution;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs {@link NhwcConvolution}: a stride-1 convolution to a few filters by {@link TapConvolution} forward, else
 * directly by libnd4j's convolution ops where {@link DirectConvolution#chosen}, else
 * im2col and one sgemm into NHWC output, with backward dW = cols^T dZ, dCols = dZ W^T and col2im. The patch buffer
 * is kept between calls and reused for dCols, since it is by far the largest array of the encoder.
 */
public class NhwcConvolutionLayer extends KernelLayer<NhwcConvolution> {

    public NhwcConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        NhwcConvolution c = layerConf();
        Patches p = c.patches();
        long batch = input.size(0);
        INDArray z = buffer("z", p.rows(batch), c.getFilters());
        if (TapConvolution.chosen(p, c.getFilters(), input, z)) {
            TapConvolution.forward(input, getParam("W"), getParam("b"), z,
                    buffer("taps", (long) p.kernel() * p.kernel() * c.getFilters(), batch * p.height() * p.width()), p);
        } else if (DirectConvolution.chosen(p.channels())) {
            DirectConvolution.forward(p.images(input), weights(getParam("W")), getParam("b"),
                    p.grid(z, batch, c.getFilters()), p);
        } else {
            INDArray cols = buffer("cols", p.bufferShape(batch));
            p.im2col(input, cols);
            Nd4j.gemm(cols.reshape('c', p.rows(batch), p.patch()), getParam("W"), z, false, false, 1.0, 0.0);
            z.addiRowVector(getParam("b"));
        }
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, c.getNOut()}, 'c');
        c.getNonlinearity().forward(z, out.reshape('c', p.rows(batch), c.getFilters()), c.getCapsuleDim());
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        NhwcConvolution c = layerConf();
        Patches p = c.patches();
        long batch = input.size(0);
        INDArray z = buffer("z", p.rows(batch), c.getFilters());
        INDArray dz = preActivationGradient(c.getNonlinearity(), z,
                epsilon.reshape('c', p.rows(batch), c.getFilters()), c.getCapsuleDim());
        if (!inputGradient()) {
            weightGradients(p, batch, dz);
            return new Pair<>(gradientOfViews(), null);
        }
        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        if (DirectConvolution.chosen(p.channels())) {
            DirectConvolution.backward(p.images(input), weights(getParam("W")), getParam("b"),
                    p.grid(dz, batch, c.getFilters()), p.images(dx), weights(gradientViews.get("W")),
                    gradientViews.get("b"), p);
            return new Pair<>(gradientOfViews(), dx);
        }
        weightGradients(p, batch, dz);
        INDArray cols = buffer("cols", p.bufferShape(batch));
        Nd4j.gemm(dz, getParam("W"), cols.reshape('c', p.rows(batch), p.patch()), false, true, 1.0, 0.0);
        p.col2im(cols, dx);
        return new Pair<>(gradientOfViews(), dx);
    }

    /**
     * dW = cols^T dZ and db. The im2col path's forward pass left the patches in cols; the direct path has none, and
     * uses this only when dx is not wanted: libnd4j's {@code conv2d_bp} always computes dx as well, which for conv1
     * costs several times the weight gradient's one product.
     */
    private void weightGradients(Patches p, long batch, INDArray dz) {
        INDArray cols = buffer("cols", p.bufferShape(batch));
        if (DirectConvolution.chosen(p.channels())) {
            p.im2col(input, cols);
        }
        Nd4j.gemm(cols.reshape('c', p.rows(batch), p.patch()), dz, gradientViews.get("W"), true, false, 1.0, 0.0);
        biasGradient(dz);
    }

    /** W [k*k*C, F] as [k, k, C, F], a view of the same buffer. */
    private INDArray weights(INDArray w) {
        Patches p = layerConf().patches();
        return w.reshape('c', p.kernel(), p.kernel(), p.channels(), layerConf().getFilters());
    }
}
