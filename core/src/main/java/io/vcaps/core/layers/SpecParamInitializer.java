package io.vcaps.core.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Lays out a {@link KernelLayerConf}'s {@link ParamSpec}s, in order, over DL4J's flat parameter and gradient views. */
public final class SpecParamInitializer implements ParamInitializer {

    static final SpecParamInitializer INSTANCE = new SpecParamInitializer();

    private static List<ParamSpec> specs(Layer layer) {
        return ((KernelLayerConf) layer).paramSpecs();
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return specs(layer).stream().mapToLong(ParamSpec::length).sum();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return specs(layer).stream().map(ParamSpec::name).toList();
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return specs(layer).stream().filter(s -> !s.isBias()).map(ParamSpec::name).toList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return specs(layer).stream().filter(ParamSpec::isBias).map(ParamSpec::name).toList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return weightKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return biasKeys(layer).contains(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Map<String, INDArray> views = slice(conf.getLayer(), paramsView);
        for (ParamSpec spec : specs(conf.getLayer())) {
            conf.addVariable(spec.name());
            if (initializeParams) {
                INDArray view = views.get(spec.name());
                if (spec.isBias()) {
                    view.assign(0);
                } else {
                    view.assign(Nd4j.randn(view.dataType(), spec.shape()).muli(spec.std()));
                }
                ((KernelLayerConf) conf.getLayer()).initialValues(spec.name(), view);
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return slice(conf.getLayer(), gradientView);
    }

    private static Map<String, INDArray> slice(Layer layer, INDArray flat) {
        INDArray row = flat.reshape(flat.length());
        Map<String, INDArray> out = new LinkedHashMap<>();
        long at = 0;
        for (ParamSpec spec : specs(layer)) {
            out.put(spec.name(), row.get(NDArrayIndex.interval(at, at + spec.length())).reshape('c', spec.shape()));
            at += spec.length();
        }
        if (at != flat.length()) {
            throw new IllegalStateException("parameter view of length " + flat.length() + " for layer "
                    + layer.getLayerName() + " which needs " + at);
        }
        return out;
    }
}
