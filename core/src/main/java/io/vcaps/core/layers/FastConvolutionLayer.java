package io.vcaps.core.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs {@link FastConvolution}: directly by libnd4j's convolution ops where {@link DirectConvolution#chosen}, else
 * im2col and one sgemm into NHWC output, with backward dW = cols^T dZ, dCols = dZ W^T and col2im. The patch buffer
 * is kept between calls and reused for dCols, since it is by far the largest array of the encoder.
 */
public class FastConvolutionLayer extends CapsuleLayer<FastConvolution> {

    public FastConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        FastConvolution c = layerConf();
        Patches p = c.patches();
        long batch = input.size(0);
        INDArray z = buffer("z", p.rows(batch), c.getFilters());
        if (DirectConvolution.chosen(p.channels())) {
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
        FastConvolution c = layerConf();
        Patches p = c.patches();
        long batch = input.size(0);
        INDArray z = buffer("z", p.rows(batch), c.getFilters());
        INDArray dz = c.getNonlinearity().backward(z, epsilon.reshape('c', p.rows(batch), c.getFilters()),
                c.getCapsuleDim());
        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        if (DirectConvolution.chosen(p.channels())) {
            DirectConvolution.backward(p.images(input), weights(getParam("W")), getParam("b"),
                    p.grid(dz, batch, c.getFilters()), p.images(dx), weights(gradientViews.get("W")),
                    gradientViews.get("b"), p);
            return new Pair<>(gradientOfViews(), dx);
        }
        INDArray cols = buffer("cols", p.bufferShape(batch));
        INDArray cols2d = cols.reshape('c', p.rows(batch), p.patch());
        Nd4j.gemm(cols2d, dz, gradientViews.get("W"), true, false, 1.0, 0.0);
        gradientViews.get("b").assign(dz.sum(0));
        Nd4j.gemm(dz, getParam("W"), cols2d, false, true, 1.0, 0.0);
        p.col2im(cols, dx);
        return new Pair<>(gradientOfViews(), dx);
    }

    /** W [k*k*C, F] as [k, k, C, F], a view of the same buffer. */
    private INDArray weights(INDArray w) {
        Patches p = layerConf().patches();
        return w.reshape('c', p.kernel(), p.kernel(), p.channels(), layerConf().getFilters());
    }
}
