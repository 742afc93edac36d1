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
 * Runs {@link CapsuleRouting}. The votes are one batched matrix product over children, u_hat [N, B, K*D] =
 * u [N, B, inDim] x W [N, inDim, K*D]; routing then runs image by image in {@link RoutingKernel}; the backward pass
 * mirrors it: dL/du_hat per image, then dW = u^T du_hat and du = du_hat W^T as two batched products.
 */
public class CapsuleRoutingLayer extends CapsuleLayer<CapsuleRouting> {

    private transient RoutingKernel kernel;
    private transient RoutingKernel.Trace[] traces;
    private transient ThreadLocal<Work> work;

    public CapsuleRoutingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Per-thread arrays: one image's votes and their gradient, staging for float I/O, kernel scratch. */
    private final class Work {
        final double[] uhat = new double[kernel.children * kernel.parents * kernel.dim];
        final double[] duhat = new double[uhat.length];
        final double[] capsules = new double[kernel.parents * kernel.dim];
        final float[] staging = new float[Math.max(kernel.parents * kernel.dim, 1)];
        final RoutingKernel.Scratch scratch = kernel.new Scratch();
    }

    private RoutingKernel kernel() {
        if (kernel == null) {
            CapsuleRouting c = layerConf();
            kernel = new RoutingKernel(c.getChildren(), c.getCapsules(), c.getCapsuleDim(), c.getRoutings());
            work = ThreadLocal.withInitial(Work::new);
        }
        return kernel;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        RoutingKernel k = kernel();
        int batch = (int) input.size(0);
        int kd = k.parents * k.dim;
        INDArray uhat = votes(batch);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, kd}, 'c');
        if (traces == null || traces.length < batch) {
            traces = new RoutingKernel.Trace[batch];
        }
        HostView votes = new HostView(uhat);
        HostView capsules = new HostView(out);
        forEachImage(batch, b -> {
            Work w = work.get();
            readVotes(votes, b, batch, w);
            if (traces[b] == null) {
                traces[b] = k.new Trace();
            }
            k.forward(w.uhat, traces[b], w.scratch);
            capsules.write((long) b * kd, traces[b].v, k.outputOffset(), kd, w.staging);
        });
        return out;
    }

    /** u_hat [N, B, K*D] for the current input, kept for the backward pass. */
    private INDArray votes(int batch) {
        CapsuleRouting c = layerConf();
        INDArray u = buffer("uT", c.getChildren(), batch, c.getInDim());
        u.assign(input.reshape('c', batch, c.getChildren(), c.getInDim()).permute(1, 0, 2));
        INDArray uhat = buffer("uhat", c.getChildren(), batch, (long) c.getCapsules() * c.getCapsuleDim());
        Nd4j.matmul(u, getParam("W"), uhat);
        return uhat;
    }

    private void readVotes(HostView votes, int b, int batch, Work w) {
        int kd = kernel.parents * kernel.dim;
        for (int n = 0; n < kernel.children; n++) {
            votes.read(((long) n * batch + b) * kd, w.uhat, n * kd, kd, w.staging);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        CapsuleRouting c = layerConf();
        RoutingKernel k = kernel();
        int batch = (int) input.size(0);
        int kd = k.parents * k.dim;
        INDArray uhat = buffer("uhat", c.getChildren(), batch, kd);
        INDArray duhat = buffer("duhat", c.getChildren(), batch, kd);
        INDArray dv = epsilon.dataType() == dataType && epsilon.ordering() == 'c' ? epsilon : epsilon.castTo(dataType).dup('c');
        HostView votes = new HostView(uhat);
        HostView voteGrads = new HostView(duhat);
        HostView capsuleGrads = new HostView(dv);
        forEachImage(batch, b -> {
            Work w = work.get();
            readVotes(votes, b, batch, w);
            capsuleGrads.read((long) b * kd, w.capsules, 0, kd, w.staging);
            k.backward(w.uhat, traces[b], w.capsules, 0, w.duhat, w.scratch);
            for (int n = 0; n < k.children; n++) {
                voteGrads.write(((long) n * batch + b) * kd, w.duhat, n * kd, kd, w.staging);
            }
        });
        INDArray u = buffer("uT", c.getChildren(), batch, c.getInDim());
        Nd4j.matmul(u, duhat, gradientViews.get("W"), true, false, false);
        INDArray duT = buffer("duT", c.getChildren(), batch, c.getInDim());
        Nd4j.matmul(duhat, getParam("W"), duT, false, true, false);
        INDArray du = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        du.reshape('c', batch, c.getChildren(), c.getInDim()).assign(duT.permute(1, 0, 2));
        return new Pair<>(gradientOfViews(), du);
    }
}
