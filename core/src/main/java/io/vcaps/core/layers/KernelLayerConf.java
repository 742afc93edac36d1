package io.vcaps.core.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;

import java.util.Collection;
import java.util.List;

/**
 * Configuration base of vcaps' hand-written DL4J layers. Each takes and gives flat feed-forward activations
 * ([batch, features], images NHWC row-major), declares its parameters as {@link ParamSpec}s, and writes its own
 * backward pass, so a network of them is an ordinary {@code MultiLayerNetwork}: serialisable by
 * {@code ModelSerializer}, trainable by DL4J's updaters, averageable as one flat parameter vector.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public abstract class KernelLayerConf extends FeedForwardLayer {

    protected KernelLayerConf() {
    }

    /** The parameters, in the order they lie in the flat parameter vector. */
    public abstract List<ParamSpec> paramSpecs();

    /** Sets a parameter's starting values where N(0, std^2) or zero is not the right start; called after those. */
    protected void initialValues(String name, INDArray view) {
    }

    /** Creates the layer that runs this configuration. */
    protected abstract BaseLayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType);

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView, boolean initializeParams,
            DataType dataType) {
        BaseLayer<?> layer = newLayer(conf, dataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return SpecParamInitializer.INSTANCE;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = initializer().numParams(this);
        return new LayerMemoryReport.Builder(layerName, getClass(), inputType, getOutputType(-1, inputType))
                .standardMemory(params, getIUpdater() == null ? 0 : getIUpdater().stateSize(params))
                .workingMemory(0, 0, 0, 0)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }
}
