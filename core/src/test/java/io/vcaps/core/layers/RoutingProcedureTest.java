package io.vcaps.core.layers;

import io.vcaps.core.kernels.ChildProducts;
import io.vcaps.core.kernels.FloatRoutingKernel;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The routing layer equals a literal, loop-by-loop transcription of Sabour et al.'s Procedure 1 (up to the 1e-8
 * that squash adds under its square root, which moves outputs by about 1e-10).
 */
class RoutingProcedureTest {

    private static final int N = 20;
    private static final int IN = 4;
    private static final int K = 3;
    private static final int D = 5;
    private static final int R = 3;

    /** Procedure 1, ROUTING(u_hat_{j|i}, r, l), with u_hat_{j|i} = W_ij u_i, written as in the paper. */
    private static double[][] procedureOne(double[][] u, double[][][] w) {
        double[][][] uHat = new double[N][K][D];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < K; j++) {
                for (int d = 0; d < D; d++) {
                    for (int p = 0; p < IN; p++) {
                        uHat[i][j][d] += u[i][p] * w[i][p][j * D + d];
                    }
                }
            }
        }
        double[][] b = new double[N][K];
        double[][] v = new double[K][D];
        for (int iteration = 0; iteration < R; iteration++) {
            double[][] c = new double[N][K];
            for (int i = 0; i < N; i++) {
                double sum = 0;
                for (int j = 0; j < K; j++) {
                    sum += Math.exp(b[i][j]);
                }
                for (int j = 0; j < K; j++) {
                    c[i][j] = Math.exp(b[i][j]) / sum;
                }
            }
            for (int j = 0; j < K; j++) {
                double[] s = new double[D];
                for (int i = 0; i < N; i++) {
                    for (int d = 0; d < D; d++) {
                        s[d] += c[i][j] * uHat[i][j][d];
                    }
                }
                double norm2 = 0;
                for (int d = 0; d < D; d++) {
                    norm2 += s[d] * s[d];
                }
                for (int d = 0; d < D; d++) {
                    v[j][d] = norm2 / (1 + norm2) * s[d] / Math.sqrt(norm2);
                }
            }
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < K; j++) {
                    double agreement = 0;
                    for (int d = 0; d < D; d++) {
                        agreement += uHat[i][j][d] * v[j][d];
                    }
                    b[i][j] += agreement;
                }
            }
        }
        return v;
    }

    @Test
    void routingEqualsProcedureOne() {
        assertMatchesProcedureOne(DataType.DOUBLE, 3, 1e-9);
    }

    /** The float32 path (votes by {@link ChildProducts}, routed by the float32 vector kernel) against Procedure 1. */
    @Test
    void float32RoutingEqualsProcedureOne() {
        assertMatchesProcedureOne(DataType.FLOAT, 2, 1e-5);
    }

    /** What a job's start line says: the vector kernel for float32 networks, the double one otherwise. */
    @Test
    void theKernelPathFollowsTheNetworksDataType() {
        assertEquals(FloatRoutingKernel.path(), CapsuleRouting.kernelPath(DataType.FLOAT));
        assertEquals("double (RoutingKernel)", CapsuleRouting.kernelPath(DataType.DOUBLE));
    }

    private static void assertMatchesProcedureOne(DataType type, int batch, double tolerance) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(type).list()
                .layer(new CapsuleRouting(N, IN, K, D, R, 0.4))
                .setInputType(InputType.feedForward(N * IN)).build());
        net.init();
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(type, batch, N * IN);
        INDArray out = net.output(x);
        double[][][] w = weights(net);
        for (int b = 0; b < batch; b++) {
            double[][] expected = procedureOne(x.getRow(b).reshape(N, IN).toDoubleMatrix(), w);
            for (int j = 0; j < K; j++) {
                for (int d = 0; d < D; d++) {
                    assertEquals(expected[j][d], out.getDouble(b, j * D + d), tolerance,
                            "image " + b + ", capsule " + j + ", dimension " + d);
                }
            }
        }
    }

    /** The layer's W [N][IN][K*D] in double. */
    private static double[][][] weights(MultiLayerNetwork net) {
        INDArray weights = net.getLayer(0).getParam("W");
        double[][][] w = new double[N][IN][];
        for (int i = 0; i < N; i++) {
            for (int p = 0; p < IN; p++) {
                w[i][p] = weights.get(NDArrayIndex.point(i), NDArrayIndex.point(p), NDArrayIndex.all())
                        .toDoubleVector();
            }
        }
        return w;
    }
}
