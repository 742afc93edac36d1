package io.vcaps.jobs.averaging;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.NetworkUtils;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One DL4J network as parameter averaging sees it: a flat parameter vector, a flat optimiser state (the updater's
 * state view, null for updaters without state), iteration and epoch counts, and a learning-rate scale relative to
 * the learning rates the network was built with. Wraps a {@link MultiLayerNetwork} (tests wrap a {@code
 * ComputationGraph} too).
 */
public abstract class Network {

    private Double[] baseRates;
    private double scale = 1.0;

    public static Network of(MultiLayerNetwork net) {
        return new Network() {
            @Override public INDArray params() { return net.params(); }
            @Override public INDArray updaterState() { return net.getUpdater(true).getStateViewArray(); }
            @Override public int iteration() { return net.getIterationCount(); }
            @Override public void setIteration(int n) { net.setIterationCount(n); }
            @Override public int epoch() { return net.getEpochCount(); }
            @Override public void setEpoch(int n) { net.setEpochCount(n); }
            @Override int layers() { return net.getnLayers(); }
            @Override Double learningRate(int layer) { return NetworkUtils.getLearningRate(net, layer); }
            @Override void setLearningRate(int layer, double rate) { NetworkUtils.setLearningRate(net, layer, rate); }
        };
    }

    /** The flat parameter vector (a live view: writing to it changes the network). */
    public abstract INDArray params();

    /** The flat optimiser state (a live view), or null when the updater keeps none. */
    public abstract INDArray updaterState();

    public abstract int iteration();

    public abstract void setIteration(int iteration);

    public abstract int epoch();

    public abstract void setEpoch(int epoch);

    abstract int layers();

    abstract Double learningRate(int layer);

    abstract void setLearningRate(int layer, double rate);

    /** The current learning-rate scale (1 = as built). */
    public double learningRateScale() {
        return scale;
    }

    /**
     * Sets every layer's learning rate to {@code scale} times the rate it was built with. Rebuilds the updater when
     * the scale changes, so fetch {@link #updaterState()} afterwards, not before.
     */
    public void setLearningRateScale(double newScale) {
        if (newScale == scale) {
            return;
        }
        if (baseRates == null) {
            baseRates = new Double[layers()];
            for (int i = 0; i < baseRates.length; i++) {
                Double rate = learningRate(i);
                baseRates[i] = rate == null ? null : rate / scale;
            }
        }
        for (int i = 0; i < baseRates.length; i++) {
            if (baseRates[i] != null) {
                setLearningRate(i, baseRates[i] * newScale);
            }
        }
        scale = newScale;
    }
}
