package io.vcaps.core.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

/**
 * The variational heads, one per capsule: mu_k = A_k v_k + a_k and logvar_k = B_k v_k + b_k. Input [batch, K*capsuleDim];
 * output [batch, K*2*latentDim], each capsule's mu then its logvar.
 */
public class VariationalHeads extends CapsuleLayerConf {

    private int capsules;
    private int capsuleDim;
    private int latentDim;

    public VariationalHeads() {
    }

    public VariationalHeads(int capsules, int capsuleDim, int latentDim) {
        this.capsules = capsules;
        this.capsuleDim = capsuleDim;
        this.latentDim = latentDim;
        this.nIn = (long) capsules * capsuleDim;
        this.nOut = 2L * capsules * latentDim;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        return List.of(ParamSpec.weight("W", 1.0 / Math.sqrt(capsuleDim), capsules, capsuleDim, 2L * latentDim),
                ParamSpec.bias("b", capsules, 2L * latentDim));
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
