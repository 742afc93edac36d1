package io.vcaps.core.layers;

import io.vcaps.core.kernels.ChildProducts;
import io.vcaps.core.kernels.FloatRoutingKernel;
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

import java.util.Arrays;

/**
 * Runs {@link CapsuleRouting}. The votes are one matrix product per child, u_hat[n] = u[n] W[n] with u [N, B, inDim]
 * and W [N, inDim, K*D] ({@link ChildProducts}), written image by image in the kernel's layout [B, K*D, N]: each
 * image's votes are K*D contiguous rows of the N children. Routing then runs image by image in
 * {@link FloatRoutingKernel} (float32) or {@link RoutingKernel} (float64), and a training pass keeps the votes for
 * the backward pass, which mirrors it: dL/du_hat per image, child by child into [N, B, K*D], then dW = u^T du_hat
 * and du = du_hat W^T per child.
 */
public class CapsuleRoutingLayer extends KernelLayer<CapsuleRouting> {

    private transient Routing routing;
    private transient boolean votesKept;

    public CapsuleRoutingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /**
     * Routing of one image at a time between the layer's arrays, in the network's precision:
     * {@link FloatRoutingKernel} for float32, {@link RoutingKernel} (the double reference that the gradient checks
     * run on) otherwise.
     */
    private interface Routing {
        /** Routes image b of {@code votes} [B, K*D, N] into row b of {@code capsules} [B, K*D]. */
        void forward(HostView votes, int b, HostView capsules);

        /** dL/du_hat of image b into {@code voteGrads} [N, B, K*D] from row b of {@code capsuleGrads} [B, K*D]. */
        void backward(HostView votes, int b, int batch, HostView capsuleGrads, HostView voteGrads);

        /** Room for the traces of a batch of {@code batch} images. */
        void ensure(int batch);
    }

    private Routing routing(int batch) {
        if (routing == null) {
            CapsuleRouting c = layerConf();
            routing = CapsuleRouting.routesInFloat32(dataType)
                    ? new FloatRouting(new FloatRoutingKernel(c.getChildren(), c.getCapsules(), c.getCapsuleDim(),
                            c.getRoutings()))
                    : new DoubleRouting(new RoutingKernel(c.getChildren(), c.getCapsules(), c.getCapsuleDim(),
                            c.getRoutings()));
        }
        routing.ensure(batch);
        return routing;
    }

    /** Float32 routing: votes and gradients move between ND4J's buffers and the kernel's rows as they are. */
    private static final class FloatRouting implements Routing {
        private final FloatRoutingKernel kernel;
        private final int kd;
        private final ThreadLocal<Work> work;
        private FloatRoutingKernel.Trace[] traces = new FloatRoutingKernel.Trace[0];

        private final class Work {
            final float[][] uhat = kernel.newVotes();
            final float[][] duhat = kernel.newVoteGradients();
            final float[] capsules = new float[kd];
            final FloatRoutingKernel.Scratch scratch = kernel.new Scratch();
        }

        FloatRouting(FloatRoutingKernel kernel) {
            this.kernel = kernel;
            this.kd = kernel.parents * kernel.dim;
            this.work = ThreadLocal.withInitial(Work::new);
        }

        @Override
        public void ensure(int batch) {
            if (traces.length < batch) {
                traces = Arrays.copyOf(traces, batch);
            }
        }

        /** Image b's votes into this thread's rows; their padding past the children stays zero. */
        private Work read(HostView votes, int b) {
            Work w = work.get();
            for (int i = 0; i < kd; i++) {
                votes.read(((long) b * kd + i) * kernel.children, w.uhat[i], 0, kernel.children);
            }
            return w;
        }

        @Override
        public void forward(HostView votes, int b, HostView capsules) {
            Work w = read(votes, b);
            if (traces[b] == null) {
                traces[b] = kernel.new Trace();
            }
            kernel.forward(w.uhat, traces[b], w.scratch);
            capsules.write((long) b * kd, traces[b].v, kernel.outputOffset(), kd);
        }

        @Override
        public void backward(HostView votes, int b, int batch, HostView capsuleGrads, HostView voteGrads) {
            Work w = read(votes, b);
            capsuleGrads.read((long) b * kd, w.capsules, 0, kd);
            kernel.backward(w.uhat, traces[b], w.capsules, 0, w.duhat, w.scratch);
            for (int n = 0; n < kernel.children; n++) {
                voteGrads.write(((long) n * batch + b) * kd, w.duhat[n], 0, kd);
            }
        }
    }

    /** Routing in double, for float64 networks (the gradient checks); the arrays may hold either type. */
    private static final class DoubleRouting implements Routing {
        private final RoutingKernel kernel;
        private final int kd;
        private final ThreadLocal<Work> work;
        private RoutingKernel.Trace[] traces = new RoutingKernel.Trace[0];

        private final class Work {
            final double[][] uhat = kernel.newVotes();
            final double[][] duhat = kernel.newVoteGradients();
            final double[] capsules = new double[kd];
            final float[] staging = new float[Math.max(kd, kernel.children)];
            final RoutingKernel.Scratch scratch = kernel.new Scratch();
        }

        DoubleRouting(RoutingKernel kernel) {
            this.kernel = kernel;
            this.kd = kernel.parents * kernel.dim;
            this.work = ThreadLocal.withInitial(Work::new);
        }

        @Override
        public void ensure(int batch) {
            if (traces.length < batch) {
                traces = Arrays.copyOf(traces, batch);
            }
        }

        private Work read(HostView votes, int b) {
            Work w = work.get();
            for (int i = 0; i < kd; i++) {
                votes.read(((long) b * kd + i) * kernel.children, w.uhat[i], 0, kernel.children, w.staging);
            }
            return w;
        }

        @Override
        public void forward(HostView votes, int b, HostView capsules) {
            Work w = read(votes, b);
            if (traces[b] == null) {
                traces[b] = kernel.new Trace();
            }
            kernel.forward(w.uhat, traces[b], w.scratch);
            capsules.write((long) b * kd, traces[b].v, kernel.outputOffset(), kd, w.staging);
        }

        @Override
        public void backward(HostView votes, int b, int batch, HostView capsuleGrads, HostView voteGrads) {
            Work w = read(votes, b);
            capsuleGrads.read((long) b * kd, w.capsules, 0, kd, w.staging);
            kernel.backward(w.uhat, traces[b], w.capsules, 0, w.duhat, w.scratch);
            for (int n = 0; n < kernel.children; n++) {
                voteGrads.write(((long) n * batch + b) * kd, w.duhat[n], 0, kd, w.staging);
            }
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        CapsuleRouting c = layerConf();
        int batch = (int) input.size(0);
        Routing r = routing(batch);
        int kd = c.getCapsules() * c.getCapsuleDim();
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{batch, kd}, 'c');
        HostView votes = new HostView(votes(batch));
        // Only a training pass is followed by a backward pass, the one reader of the votes after this.
        votesKept = training;
        HostView capsules = new HostView(out);
        KernelThreads.forEachImage(batch, b -> r.forward(votes, b, capsules));
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

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        if (!votesKept) {
            throw new IllegalStateException("the routing layer's backward pass needs a training forward pass first");
        }
        CapsuleRouting c = layerConf();
        int batch = (int) input.size(0);
        Routing r = routing(batch);
        int kd = c.getCapsules() * c.getCapsuleDim();
        INDArray duhat = buffer("voteGradients", c.getChildren(), batch, kd);
        INDArray dv = epsilon.dataType() == dataType && epsilon.ordering() == 'c' ? epsilon
                : epsilon.castTo(dataType).dup('c');
        HostView votes = new HostView(buffer("votes", batch, kd, c.getChildren()));
        HostView voteGrads = new HostView(duhat);
        HostView capsuleGrads = new HostView(dv);
        KernelThreads.forEachImage(batch, b -> r.backward(votes, b, batch, capsuleGrads, voteGrads));
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
