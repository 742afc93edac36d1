package io.vcaps.core.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/**
 * The variational heads, one per capsule: mu_k = A_k v_k + a_k and logvar_k = B_k v_k + b_k. Input [batch,
 * K*capsuleDim];
 * output [batch, K*2*latentDim], each capsule's mu then its logvar.
 */
public class VariationalHeads extends KernelLayerConf {

    private int capsules;
    private int capsuleDim;
    private int latentDim;
    private double initialKl;

    public VariationalHeads() {
    }

    /**
     * @param initialKl the KL every capsule starts at, through its logvar bias. At 0 (all capsules at the prior)
     *                  KL's gradient vanishes and learning waits for the biases to drift.
     */
    public VariationalHeads(int capsules, int capsuleDim, int latentDim, double initialKl) {
        this.capsules = capsules;
        this.capsuleDim = capsuleDim;
        this.latentDim = latentDim;
        this.initialKl = initialKl;
        this.nIn = (long) capsules * capsuleDim;
        this.nOut = 2L * capsules * latentDim;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        return List.of(ParamSpec.weight("W", 1.0 / Math.sqrt(capsuleDim), capsules, capsuleDim, 2L * latentDim),
                ParamSpec.bias("b", capsules, 2L * latentDim));
    }

    /**
     * logvar bias beta &lt; 0 with KL = D/2 (e^beta - beta - 1) = initialKl, found by bisection (the map decreases on
     * beta &lt; 0). Posteriors that start narrower than the prior make z = mu from the first step, so the generator
     * learns to read the capsules instead of learning to ignore noise (a wider start, beta &gt; 0, did: G then
     * reconstructed no better from a capsule's mean than from zeros).
     */
    @Override
    protected void initialValues(String name, INDArray view) {
        if (!name.equals("b") || initialKl <= 0) {
            return;
        }
        double lo = -60;
        double hi = 0;
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (latentDim / 2.0 * (Math.exp(mid) - mid - 1) < initialKl) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        view.get(NDArrayIndex.all(), NDArrayIndex.interval(latentDim, 2L * latentDim)).assign(lo);
    }

    @Override
    protected BaseLayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new VariationalHeadsLayer(conf, dataType);
    }

    public int getCapsules() {
        return capsules;
    }

    public int getCapsuleDim() {
        return capsuleDim;
    }

    public int getLatentDim() {
        return latentDim;
    }
}
