package io.vcaps.core.layers;

import io.vcaps.core.kernels.FloatRoutingKernel;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

/**
 * Entity capsules by dynamic routing: N children of {@code inDim} dimensions vote through one matrix W_n per child,
 * u_hat[n] = u[n] W_n [inDim x K*D], and r iterations of routing by agreement turn the votes into K capsules of D
 * dimensions. Input [batch, N*inDim], output [batch, K*D].
 */
public class CapsuleRouting extends KernelLayerConf {

    /** The kernel path routing takes in a network of {@code dataType} on this CPU (float32 vectors, or double). */
    public static String kernelPath(DataType dataType) {
        return routesInFloat32(dataType) ? FloatRoutingKernel.path() : "double (RoutingKernel)";
    }

    /** float32 networks route with {@link FloatRoutingKernel}, all others with the double {@code RoutingKernel}. */
    static boolean routesInFloat32(DataType dataType) {
        return dataType == DataType.FLOAT;
    }

    private int children;
    private int inDim;
    private int capsules;
    private int capsuleDim;
    private int routings;
    private double weightStd;

    public CapsuleRouting() {
    }

    public CapsuleRouting(int children, int inDim, int capsules, int capsuleDim, int routings, double weightStd) {
        this.children = children;
        this.inDim = inDim;
        this.capsules = capsules;
        this.capsuleDim = capsuleDim;
        this.routings = routings;
        this.weightStd = weightStd;
        this.nIn = (long) children * inDim;
        this.nOut = (long) capsules * capsuleDim;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        return List.of(ParamSpec.weight("W", weightStd, children, inDim, (long) capsules * capsuleDim));
    }

    @Override
    protected BaseLayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new CapsuleRoutingLayer(conf, dataType);
    }

    public int getChildren() {
        return children;
    }

    public int getInDim() {
        return inDim;
    }

    public int getCapsules() {
        return capsules;
    }

    public int getCapsuleDim() {
        return capsuleDim;
    }

    public int getRoutings() {
        return routings;
    }
}
