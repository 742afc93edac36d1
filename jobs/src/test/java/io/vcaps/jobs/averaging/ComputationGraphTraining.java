package io.vcaps.jobs.averaging;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.NetworkUtils;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Parameter averaging of one plain {@link ComputationGraph} whose local step is its own {@code fit(DataSet)}: what
 * DL4J's {@code ParameterAveragingTrainingMaster} does, expressed with {@link ParameterAveraging}. Each element of
 * a partition is one minibatch; a worker fits at most {@code steps} of them per round, in partition order (DL4J's
 * {@code maxBatchesPerWorker} = averaging frequency).
 *
 * <p>One difference is a choice: DL4J's workers build their network from {@code configuration.clone()}, and
 * {@code ComputationGraphConfiguration.clone()} does not copy the iteration count, so in DL4J every round's local
 * steps count iterations from 0 again (Adam's bias correction restarts each round) while the driver adds the
 * averaging frequency to its own count. We carry the averaged iteration count into the workers, which is what makes
 * one worker at frequency 1 equal to local training. {@code restartIterations} reproduces DL4J's behaviour
 * instead (and so its numbers exactly).
 */
public final class ComputationGraphTraining implements LocalTraining<DataSet> {

    private static final long serialVersionUID = 1L;

    private final String configuration;
    private final String key;
    private final boolean restartIterations;

    /** @param run distinguishes this training from others with the same configuration on shared executors */
    public ComputationGraphTraining(ComputationGraphConfiguration configuration, String run) {
        this(configuration, run, false);
    }

    /**
     * @param restartIterations count each round's local iterations from 0, as DL4J's workers do, reporting the
     *                          start count plus the steps taken (DL4J's driver count)
     */
    public ComputationGraphTraining(ComputationGraphConfiguration configuration, String run,
            boolean restartIterations) {
        this.configuration = configuration.toJson();
        this.key = "graph:" + run + ":" + this.configuration.hashCode() + ":" + restartIterations;
        this.restartIterations = restartIterations;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Worker<DataSet> newWorker() {
        ComputationGraph graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(configuration));
        graph.init();
        List<Network> networks = List.of(network(graph));
        return new Worker<>() {
            @Override
            public List<Network> networks() {
                return networks;
            }

            @Override
            public StepTotals train(Iterator<DataSet> shard, int worker, long round, int steps) {
                StepTotals totals = new StepTotals();
                int start = graph.getIterationCount();
                if (restartIterations) {
                    graph.getConfiguration().setIterationCount(0);
                }
                for (int i = 0; i < steps && shard.hasNext(); i++) {
                    DataSet batch = shard.next();
                    graph.fit(batch);
                    totals.add(Map.of("score", graph.score()), batch.numExamples());
                }
                if (restartIterations) {
                    graph.getConfiguration().setIterationCount(start + totals.steps());
                }
                return totals;
            }
        };
    }

    /** A {@link ComputationGraph} as parameter averaging sees it. */
    static Network network(ComputationGraph graph) {
        return new Network() {
            @Override public INDArray params() { return graph.params(); }
            @Override public INDArray updaterState() { return graph.getUpdater(true).getStateViewArray(); }
            @Override public int iteration() { return graph.getIterationCount(); }
            @Override public void setIteration(int n) { graph.getConfiguration().setIterationCount(n); }
            @Override public int epoch() { return graph.getEpochCount(); }
            @Override public void setEpoch(int n) { graph.getConfiguration().setEpochCount(n); }
            @Override int layers() { return graph.getLayers().length; }
            @Override Double learningRate(int layer) {
                return NetworkUtils.getLearningRate(graph, graph.getLayers()[layer].conf().getLayer().getLayerName());
            }
            @Override void setLearningRate(int layer, double rate) {
                NetworkUtils.setLearningRate(graph, graph.getLayers()[layer].conf().getLayer().getLayerName(), rate);
            }
        };
    }
}
