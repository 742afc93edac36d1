package io.vcaps.core.layers;

import io.vcaps.core.kernels.ChildProducts;
import io.vcaps.core.kernels.HostView;
import io.vcaps.core.kernels.KernelThreads;
import io.vcaps.core.kernels.RoutingKernel;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs {@link CapsuleRouting}. The votes are one matrix product per child, u_hat[n] = u[n] W[n] with u [N, B, inDim]
 * and W [N, inDim, K*D] ({@link ChildProducts}), written image by image in the kernel's layout [B, K*D, N]: each
 * image's votes are K*D contiguous rows of the N children. Routing then runs image by image in
 * {@link RoutingKernel}, and a training pass keeps the votes for the backward pass, which mirrors it: dL/du_hat per
 * image, child by child into [N, B, K*D], then dW = u^T du_hat and du = du_hat W^T per child.
 */
public class CapsuleRoutingLayer extends KernelLayer<CapsuleRouting> {

    private transient RoutingKernel kernel;
    private transient RoutingKernel.Trace[] traces;
    private transient ThreadLocal<Work> work;
    private transient boolean votesKept;

    public CapsuleRoutingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Per-thread arrays: one image's votes and their gradient, float staging, scratch. */
    private final class Work {
        final double[][] uhat = kernel.newVotes();
        final double[][] duhat = kernel.newVoteGradients();
        final double[] capsules = new double[kernel.parents * kernel.dim];
        final float[] staging = new float[Math.max(kernel.parents * kernel.dim, kernel.children)];
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
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, kd}, 'c');
        HostView votes = new HostView(votes(batch));
        // Only a training pass is followed by a backward pass, the one reader of the votes after this.
        votesKept = training;
        if (traces == null || traces.length < batch) {
            traces = new RoutingKernel.Trace[batch];
        }
        HostView capsules = new HostView(out);
        KernelThreads.forEachImage(batch, b -> {
            Work w = work.get();
            readVotes(votes, b, w);
            if (traces[b] == null) {
                traces[b] = k.new Trace();
            }
            k.forward(w.uhat, traces[b], w.scratch);
            capsules.write((long) b * kd, traces[b].v, k.outputOffset(), kd, w.staging);
        });
        return out;
    }

    /** u_hat for the current input, image by image: [B, K*D, N]. */
    private INDArray votes(int batch) {
        CapsuleRouting c = layerConf();
        INDArray u = buffer("uT", c.getChildren(), batch, c.getInDim());
        u.assign(input.reshape('c', batch, c.getChildren(), c.getInDim()).permute(1, 0, 2));
        INDArray votes = buffer("votes", batch, (long) c.getCapsules() * c.getCapsuleDim(), c.getChildren());
        if (ChildProducts.applies(u, getParam("W"), votes)) {
            ChildProducts.votes(u, getParam("W"), votes);
        } else {
            votes.assign(Nd4j.matmul(u, getParam("W")).permute(1, 2, 0));
        }
        return votes;
    }

    /** Image b's votes into the kernel's rows. */
    private void readVotes(HostView votes, int b, Work w) {
        int kd = kernel.parents * kernel.dim;
        for (int i = 0; i < kd; i++) {
            votes.read(((long) b * kd + i) * kernel.children, w.uhat[i], 0, kernel.children, w.staging);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        if (!votesKept) {
            throw new IllegalStateException("the routing layer's backward pass needs a training forward pass first");
        }
        CapsuleRouting c = layerConf();
        RoutingKernel k = kernel();
        int batch = (int) input.size(0);
        int kd = k.parents * k.dim;
        INDArray duhat = buffer("voteGradients", c.getChildren(), batch, kd);
        INDArray dv = epsilon.dataType() == dataType && epsilon.ordering() == 'c' ? epsilon
                : epsilon.castTo(dataType).dup('c');
        HostView votes = new HostView(buffer("votes", batch, kd, c.getChildren()));
        HostView voteGrads = new HostView(duhat);
        HostView capsuleGrads = new HostView(dv);
        KernelThreads.forEachImage(batch, b -> {
            Work w = work.get();
            readVotes(votes, b, w);
            capsuleGrads.read((long) b * kd, w.capsules, 0, kd, w.staging);
            k.backward(w.uhat, traces[b], w.capsules, 0, w.duhat, w.scratch);
            for (int n = 0; n < k.children; n++) {
                voteGrads.write(((long) n * batch + b) * kd, w.duhat[n], 0, kd, w.staging);
            }
        });
        INDArray u = buffer("uT", c.getChildren(), batch, c.getInDim());
        INDArray duT = buffer("duT", c.getChildren(), batch, c.getInDim());
        if (ChildProducts.applies(u, getParam("W"), duhat, gradientViews.get("W"), duT)) {
            ChildProducts.backward(u, getParam("W"), duhat, gradientViews.get("W"), duT);
        } else {
            Nd4j.matmul(u, duhat, gradientViews.get("W"), true, false, false);
            Nd4j.matmul(duhat, getParam("W"), duT, false, true, false);
        }
        INDArray du = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        du.reshape('c', batch, c.getChildren(), c.getInDim()).assign(duT.permute(1, 0, 2));
        return new Pair<>(gradientOfViews(), du);
    }
}
