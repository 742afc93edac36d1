package io.vcaps.core.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs {@link FastConvolution}. The patch matrix is built by libnd4j's im2col writing through a permuted view, so
 * it lands as [B*oH*oW, C*k*k] rows and the whole convolution is one sgemm into NHWC output; the backward pass is
 * two more (dW = cols^T dZ, dCols = dZ W^T) and col2im. The patch buffer is kept between calls and reused for
 * dCols, since it is by far the largest array of the encoder.
 */
public class FastConvolutionLayer extends CapsuleLayer<FastConvolution> {

    public FastConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private INDArray patches(int batch) {
        FastConvolution c = layerConf();
        return buffer("cols", batch, c.outHeight(), c.outWidth(), c.getChannels(), c.getKernel(), c.getKernel());
    }

    /** The patch buffer seen as libnd4j's im2col layout [B, C, kH, kW, oH, oW]. */
    private static INDArray im2colView(INDArray cols) {
        return cols.permute(0, 3, 4, 5, 1, 2);
    }

    /** A flat NHWC batch seen as NCHW [B, C, H, W]. */
    private INDArray nchw(INDArray flat) {
        FastConvolution c = layerConf();
        return flat.reshape('c', flat.size(0), c.getHeight(), c.getWidth(), c.getChannels()).permute(0, 3, 1, 2);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        FastConvolution c = layerConf();
        int batch = (int) input.size(0);
        long positions = (long) batch * c.outHeight() * c.outWidth();
        INDArray cols = patches(batch);
        Convolution.im2col(nchw(input), c.getKernel(), c.getKernel(), c.getStride(), c.getStride(), 0, 0, 1, 1,
                false, im2colView(cols));
        INDArray z = buffer("z", positions, c.getFilters());
        Nd4j.gemm(cols.reshape('c', positions, c.patch()), getParam("W"), z, false, false, 1.0, 0.0);
        z.addiRowVector(getParam("b"));
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, c.getNOut()}, 'c');
        if (c.getNonlinearity() == FastConvolution.Nonlinearity.RELU) {
            Nd4j.exec(new RectifiedLinear(z, out.reshape('c', positions, c.getFilters()), 0.0));
        } else {
            out.assign(Squash.rows(z.reshape('c', positions * c.getFilters() / c.getCapsuleDim(), c.getCapsuleDim())));
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        FastConvolution c = layerConf();
        int batch = (int) input.size(0);
        long positions = (long) batch * c.outHeight() * c.outWidth();
        INDArray z = buffer("z", positions, c.getFilters());
        INDArray dOut = epsilon.reshape('c', positions, c.getFilters());
        INDArray dz;
        if (c.getNonlinearity() == FastConvolution.Nonlinearity.RELU) {
            dz = Nd4j.createUninitialized(dataType, positions, c.getFilters());
            Nd4j.exec(new ThresholdReluBp(z, dOut, dz, 0.0));
        } else {
            long rows = positions * c.getFilters() / c.getCapsuleDim();
            dz = Squash.rowsBackward(z.reshape('c', rows, c.getCapsuleDim()), dOut.reshape('c', rows, c.getCapsuleDim()))
                    .reshape('c', positions, c.getFilters());
        }
        INDArray cols = patches(batch).reshape('c', positions, c.patch());
        Nd4j.gemm(cols, dz, gradientViews.get("W"), true, false, 1.0, 0.0);
        gradientViews.get("b").assign(dz.sum(0));
        Nd4j.gemm(dz, getParam("W"), cols, false, true, 1.0, 0.0);
        INDArray dx = mgr.create(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        Convolution.col2im(im2colView(patches(batch)), nchw(dx), c.getStride(), c.getStride(), 0, 0,
                c.getHeight(), c.getWidth(), 1, 1);
        return new Pair<>(gradientOfViews(), dx);
    }
}
