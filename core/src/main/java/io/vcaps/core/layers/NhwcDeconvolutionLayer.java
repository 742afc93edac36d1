package io.vcaps.core.layers;

import io.vcaps.core.kernels.DirectConvolution;
import io.vcaps.core.kernels.Patches;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs {@link NhwcDeconvolution}: directly by libnd4j's transposed convolution ops where
 * {@link DirectConvolution#chosen}, else patches [B*h*w, Cout*k*k] = x W, col2im onto the output image and bias,
 * with backward: im2col of dZ gives dPatches, dW = x^T dPatches and dx = dPatches W^T. Then the non-linearity.
 */
public class NhwcDeconvolutionLayer extends KernelLayer<NhwcDeconvolution> {

    public NhwcDeconvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        NhwcDeconvolution c = layerConf();
        Patches p = c.outputPatches();
        long batch = input.size(0);
        INDArray z = buffer("z", batch, c.getNOut());
        if (DirectConvolution.chosen(c.getChannels())) {
            DirectConvolution.transposedForward(p.grid(input, batch, c.getChannels()), weights(getParam("W")),
                    p.images(z), p);
        } else {
            INDArray cols = buffer("cols", p.bufferShape(batch));
            Nd4j.gemm(input.reshape('c', p.rows(batch), c.getChannels()), getParam("W"),
                    cols.reshape('c', p.rows(batch), p.patch()), false, false, 1.0, 0.0);
            p.col2im(cols, z);
        }
        INDArray z2d = z.reshape('c', batch * c.outHeight() * c.outWidth(), c.getFilters());
        z2d.addiRowVector(getParam("b"));
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, c.getNOut()}, 'c');
        c.getNonlinearity().forward(z2d, out.reshape('c', z2d.shape()), 0);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        NhwcDeconvolution c = layerConf();
        Patches p = c.outputPatches();
        long batch = input.size(0);
        long pixels = batch * c.outHeight() * c.outWidth();
        INDArray z2d = buffer("z", batch, c.getNOut()).reshape('c', pixels, c.getFilters());
        INDArray dz = preActivationGradient(c.getNonlinearity(), z2d, epsilon.reshape('c', pixels, c.getFilters()), 0);
        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        if (DirectConvolution.chosen(c.getChannels())) {
            DirectConvolution.transposedBackward(p.grid(input, batch, c.getChannels()), weights(getParam("W")),
                    getParam("b"), p.images(dz.reshape('c', batch, c.getNOut())), p.grid(dx, batch, c.getChannels()),
                    weights(gradientViews.get("W")), gradientViews.get("b"), p);
            return new Pair<>(gradientOfViews(), dx);
        }
        biasGradient(dz);
        INDArray cols = buffer("cols", p.bufferShape(batch));
        p.im2col(dz.reshape('c', batch, c.getNOut()), cols);
        INDArray cols2d = cols.reshape('c', p.rows(batch), p.patch());
        INDArray x2d = input.reshape('c', p.rows(batch), c.getChannels());
        Nd4j.gemm(x2d, cols2d, gradientViews.get("W"), true, false, 1.0, 0.0);
        Nd4j.gemm(cols2d, getParam("W"), dx.reshape('c', p.rows(batch), c.getChannels()), false, true, 1.0, 0.0);
        return new Pair<>(gradientOfViews(), dx);
    }

    /** W [Cin, k*k*Cout] as [Cin, k, k, Cout], a view of the same buffer. */
    private INDArray weights(INDArray w) {
        Patches p = layerConf().outputPatches();
        return w.reshape('c', layerConf().getChannels(), p.kernel(), p.kernel(), p.channels());
    }
}
