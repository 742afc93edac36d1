package io.vcaps.core.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Runtime base of every vcaps layer, capsule or not (convolutions, dense layers, routing, heads): a DL4J layer
 * whose forward and backward passes are vcaps' own kernels ({@code io.vcaps.core.kernels}) rather than DL4J's. It
 * holds what they share: buffers kept between calls (allocating large arrays outside a workspace costs more than
 * the arithmetic on them), whether the input gradient is needed, and the gradient object DL4J expects back from a
 * backward pass.
 */
public abstract class KernelLayer<C extends KernelLayerConf> extends BaseLayer<C> {

    private final transient Map<String, INDArray> buffers = new HashMap<>();
    private transient boolean inputGradient = true;

    protected KernelLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /**
     * A c-order buffer of this shape and the layer's data type, outside any workspace, kept between calls: a view
     * of the front of one allocation per name that grows to the largest shape asked for, since one network meets
     * several batch sizes in a step (D sees real and fake batches). Zeroed when allocated; callers overwrite it.
     */
    protected INDArray buffer(String name, long... shape) {
        INDArray existing = buffers.get(name);
        long length = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (existing == null || existing.length() < length || existing.dataType() != dataType) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                existing = Nd4j.create(dataType, new long[]{length}, 'c');
                buffers.put(name, existing);
            }
        }
        return Nd4j.create(existing.data(), shape, Nd4j.getStrides(shape, 'c'), 0, 'c', dataType);
    }

    /**
     * Whether {@code backpropGradient} must return dL/dinput. A network's first layer over data need not: its
     * input is images, and dL/dimages of the encoder's conv1 costs as much as its weight gradient. DL4J accepts
     * a null input gradient from layer 0. Layers that honour it say so; the rest always return it.
     */
    public void setInputGradient(boolean needed) {
        this.inputGradient = needed;
    }

    protected boolean inputGradient() {
        return inputGradient;
    }

    /** dL/dz [rows, F] of pre-activations z through {@code f}, into a kept buffer (a fresh 40 MB array costs 25 ms). */
    protected INDArray preActivationGradient(Nonlinearity f, INDArray z, INDArray dOut, int capsuleDim) {
        return f.backward(z, dOut, buffer("dz", z.shape()), capsuleDim);
    }

    /** db = 1^T dz as one sgemm: {@code dz.sum(0)} over a tall dz ran 30x slower (60 ms on conv1's [40000, 256]). */
    protected void biasGradient(INDArray dz) {
        INDArray ones = buffer("ones", 1, dz.size(0)).assign(1.0);
        INDArray db = gradientViews.get("b");
        Nd4j.gemm(ones, dz, db.reshape('c', 1, db.length()), false, false, 1.0, 0.0);
    }

    /** DL4J's gradient object over this layer's gradient views, in parameter order. */
    protected Gradient gradientOfViews() {
        Gradient gradient = new DefaultGradient(gradientsFlattened);
        for (ParamSpec spec : layerConf().paramSpecs()) {
            gradient.setGradientFor(spec.name(), gradientViews.get(spec.name()));
        }
        return gradient;
    }

    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
    }

    @Override
    public boolean hasBias() {
        return layerConf().paramSpecs().stream().anyMatch(ParamSpec::isBias);
    }
}
