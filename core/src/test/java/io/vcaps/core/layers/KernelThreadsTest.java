package io.vcaps.core.layers;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Java kernels run on the shared kernel pool, or in the calling thread when OpenMP allows it one thread (a Spark
 * task among as many as cores): an encoder and generator stack gives the very same outputs and gradients either way.
 */
class KernelThreadsTest {

    private static List<INDArray> run(int ompThreads) {
        var ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        int before = ops.ompGetMaxThreads();
        ops.setOmpNumThreads(ompThreads);
        try {
            MultiLayerNetwork net = BatchSizeChangeTest.network();
            Nd4j.getRandom().setSeed(11);
            INDArray x = Nd4j.rand(DataType.FLOAT, 6, 100);
            INDArray out = net.output(x, true).dup();
            net.setInput(x);
            net.feedForward(true, false);
            Pair<Gradient, INDArray> grads = net.backpropGradient(Nd4j.randn(DataType.FLOAT, out.shape()),
                    LayerWorkspaceMgr.noWorkspaces());
            return List.of(out, grads.getFirst().gradient().dup(), grads.getSecond().dup());
        } finally {
            ops.setOmpNumThreads(before);
        }
    }

    @Test
    void oneThreadGivesWhatThePoolGives() {
        List<INDArray> inline = run(1);
        List<INDArray> pooled = run(2);
        String[] names = {"output", "parameter gradient", "input gradient"};
        for (int i = 0; i < names.length; i++) {
            assertEquals(pooled.get(i), inline.get(i), names[i]);
        }
    }
}
