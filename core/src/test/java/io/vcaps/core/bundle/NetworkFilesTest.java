package io.vcaps.core.bundle;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.Networks;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetworkFiles} writes the bytes DL4J writes and reads what DL4J writes: arrays byte for byte as
 * {@code Nd4j.write} (float32 and float64, c and f order, views), and whole networks, with their updater state,
 * across to and from {@code ModelSerializer}.
 */
class NetworkFilesTest {

    private interface ArrayWriter {
        void write(INDArray array, DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(INDArray array, ArrayWriter writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(out);
        writer.write(array, data);
        data.flush();
        return out.toByteArray();
    }

    @Test
    void arraysAreWrittenAndReadAsNd4jDoes() throws IOException {
        Nd4j.getRandom().setSeed(3);
        List<INDArray> arrays = List.of(Nd4j.randn(DataType.FLOAT, 1, 1000), Nd4j.randn(DataType.DOUBLE, 7, 5),
                Nd4j.randn(DataType.FLOAT, 4, 6).dup('f'), Nd4j.randn(DataType.FLOAT, 6, 8).getColumn(3),
                Nd4j.randn(DataType.DOUBLE, 2, 3, 4));
        for (INDArray array : arrays) {
            byte[] expected = bytes(array, Nd4j::write);
            assertArrayEquals(expected, bytes(array, NetworkFiles::writeArray), "bytes of "
                    + array.shapeInfoToString());
            INDArray back = NetworkFiles.readArray(expected);
            assertEquals(array, back, "read back " + array.shapeInfoToString());
            assertEquals(array.dataType(), back.dataType());
        }
    }

    /** A discriminator whose Adam moments hold values, as after training. */
    private static MultiLayerNetwork withUpdaterState() {
        MultiLayerNetwork net = Networks.discriminator(VcnConfig.defaults(), new ImageShape(8, 8, 1), DataType.FLOAT);
        INDArray state = net.getUpdater().getStateViewArray();
        state.assign(Nd4j.rand(DataType.FLOAT, state.shape()));
        return net;
    }

    @Test
    void networksCrossToAndFromModelSerializer() throws IOException {
        MultiLayerNetwork net = withUpdaterState();
        INDArray state = net.getUpdater().getStateViewArray();
        assertTrue(state.amaxNumber().doubleValue() > 0, "the updater state is not all zero");

        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        NetworkFiles.write(net, ours);
        MultiLayerNetwork byDl4j = ModelSerializer.restoreMultiLayerNetwork(
                new ByteArrayInputStream(ours.toByteArray()), true);
        assertEquals(net.params(), byDl4j.params());
        assertEquals(state, byDl4j.getUpdater().getStateViewArray());
        assertEquals(net.getLayerWiseConfigurations(), byDl4j.getLayerWiseConfigurations());

        ByteArrayOutputStream theirs = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, theirs, true);
        MultiLayerNetwork byUs = NetworkFiles.read(theirs.toByteArray());
        assertEquals(net.params(), byUs.params());
        assertEquals(state, byUs.getUpdater().getStateViewArray());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 64);
        assertEquals(net.output(x), byUs.output(x));
    }

    /** Coefficients are stored, not deflated; an inference read skips the optimiser state and nothing else. */
    @Test
    void coefficientsAreStoredAndAnInferenceReadLeavesTheOptimiserStateFresh() throws IOException {
        MultiLayerNetwork net = withUpdaterState();
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        NetworkFiles.write(net, ours);
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(ours.toByteArray()))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                int expected = e.getName().equals(ModelSerializer.COEFFICIENTS_BIN)
                        ? ZipEntry.STORED : ZipEntry.DEFLATED;
                assertEquals(expected, e.getMethod(), e.getName());
            }
        }
        MultiLayerNetwork forInference = NetworkFiles.read(ours.toByteArray(), false);
        assertEquals(net.params(), forInference.params());
        assertEquals(0.0, forInference.getUpdater().getStateViewArray().amaxNumber().doubleValue());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 64);
        assertEquals(net.output(x), forInference.output(x));
    }

    /** Bundles written before the re-layering name the layers FastConvolution, FastDeconvolution and FastDense. */
    @Test
    void configurationsWithTheLayersFormerNamesLoad() {
        MultiLayerConfiguration conf = Networks.generator(VcnConfig.defaults(), new ImageShape(8, 8, 1), 2,
                DataType.FLOAT).getLayerWiseConfigurations();
        String former = conf.toJson()
                .replace("\"io.vcaps.core.layers.NhwcConvolution\"", "\"io.vcaps.core.layers.FastConvolution\"")
                .replace("\"io.vcaps.core.layers.NhwcDeconvolution\"", "\"io.vcaps.core.layers.FastDeconvolution\"")
                .replace("\"io.vcaps.core.layers.FullyConnected\"", "\"io.vcaps.core.layers.FastDense\"");
        for (String name : List.of("FastConvolution", "FastDeconvolution", "FastDense")) {
            assertTrue(former.contains("\"io.vcaps.core.layers." + name + "\""), name);
        }
        assertEquals(conf, MultiLayerConfiguration.fromJson(NetworkFiles.renamedLayers(former)));
    }
}
