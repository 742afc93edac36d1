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
 * Runs {@link CapsuleRouting}. The votes are one matrix product per child, u_hat [N, B, K*D] =
 * u [N, B, inDim] x W [N, inDim, K*D] ({@link ChildProducts}); routing then runs image by image in
 * {@link RoutingKernel}; the backward pass mirrors it: dL/du_hat per image, then dW = u^T du_hat and
 * du = du_hat W^T per child.
 *
 * <p>The kernel wants an image's votes with children innermost, [K*D][N], while the per-child products leave them
 * as 640-byte rows scattered over the whole 100 MB u_hat. The forward pass transposes them once and keeps them,
 * image by image, in that layout [B, K*D, N] for the backward pass, which then reads them contiguously. The kernel
 * hands back du_hat child by child, as the per-child products want it; it reuses the buffer of u_hat, which nothing
 * reads after the forward pass.
 */
public class CapsuleRoutingLayer extends CapsuleLayer<CapsuleRouting> {

    private transient RoutingKernel kernel;
    private transient RoutingKernel.Trace[] traces;
    private transient ThreadLocal<Work> work;
    private transient boolean votesKept;

    public CapsuleRoutingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Per-thread arrays: one image's votes and their gradient, a block of children's votes, float staging, scratch. */
    private final class Work {
        final double[][] uhat = kernel.newVotes();
        final double[][] duhat = kernel.newVoteGradients();
        final double[] capsules = new double[kernel.parents * kernel.dim];
        final double[] children = new double[CHILD_BLOCK * kernel.parents * kernel.dim];
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
        INDArray uhat = votes(batch);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, kd}, 'c');
        // Only a training pass is followed by a backward pass, the one reader of the image-by-image copy.
        votesKept = training;
        HostView kept = training ? new HostView(votesByImage(batch)) : null;
        if (traces == null || traces.length < batch) {
            traces = new RoutingKernel.Trace[batch];
        }
        HostView votes = new HostView(uhat);
        HostView capsules = new HostView(out);
        forEachImage(batch, b -> {
            Work w = work.get();
            readVotes(votes, b, batch, w);
            for (int i = 0; kept != null && i < kd; i++) {
                kept.write(((long) b * kd + i) * k.children, w.uhat[i], 0, k.children, w.staging);
            }
            if (traces[b] == null) {
                traces[b] = k.new Trace();
            }
            k.forward(w.uhat, traces[b], w.scratch);
            capsules.write((long) b * kd, traces[b].v, k.outputOffset(), kd, w.staging);
        });
        return out;
    }

    /** u_hat [N, B, K*D] for the current input. */
    private INDArray votes(int batch) {
        CapsuleRouting c = layerConf();
        INDArray u = buffer("uT", c.getChildren(), batch, c.getInDim());
        u.assign(input.reshape('c', batch, c.getChildren(), c.getInDim()).permute(1, 0, 2));
        INDArray uhat = buffer("votes", c.getChildren(), batch, (long) c.getCapsules() * c.getCapsuleDim());
        if (ChildProducts.applies(u, getParam("W"), uhat)) {
            ChildProducts.votes(u, getParam("W"), uhat);
        } else {
            Nd4j.matmul(u, getParam("W"), uhat);
        }
        return uhat;
    }

    /** u_hat in the kernel's layout, image by image: [B, K*D, N], written by the forward pass. */
    private INDArray votesByImage(int batch) {
        CapsuleRouting c = layerConf();
        return buffer("votesByImage", batch, (long) c.getCapsules() * c.getCapsuleDim(), c.getChildren());
    }

    /**
     * Children per step of the transposition from rows of u_hat [N, B, K*D] into the kernel's children-innermost
     * layout: eight doubles fill a cache line of each of the kernel's K*D rows, where one child at a time would
     * touch K*D lines to write a double into each (twice the time, measured).
     */
    private static final int CHILD_BLOCK = 8;

    /** Image b's votes, transposed from rows of u_hat [N, B, K*D] into the kernel's layout. */
    private void readVotes(HostView votes, int b, int batch, Work w) {
        int kd = kernel.parents * kernel.dim;
        for (int first = 0; first < kernel.children; first += CHILD_BLOCK) {
            int count = Math.min(CHILD_BLOCK, kernel.children - first);
            for (int j = 0; j < count; j++) {
                votes.read(((long) (first + j) * batch + b) * kd, w.children, j * kd, kd, w.staging);
            }
            for (int i = 0; i < kd; i++) {
                double[] row = w.uhat[i];
                for (int j = 0; j < count; j++) {
                    row[first + j] = w.children[j * kd + i];
                }
            }
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
        INDArray duhat = buffer("votes", c.getChildren(), batch, kd);
        INDArray dv = epsilon.dataType() == dataType && epsilon.ordering() == 'c' ? epsilon
                : epsilon.castTo(dataType).dup('c');
        HostView kept = new HostView(votesByImage(batch));
        HostView voteGrads = new HostView(duhat);
        HostView capsuleGrads = new HostView(dv);
        forEachImage(batch, b -> {
            Work w = work.get();
            for (int i = 0; i < kd; i++) {
                kept.read(((long) b * kd + i) * k.children, w.uhat[i], 0, k.children, w.staging);
            }
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
