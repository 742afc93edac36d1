package io.vcaps.core.bundle;

import io.vcaps.core.layers.FullyConnected;
import io.vcaps.core.layers.NhwcConvolution;
import io.vcaps.core.layers.NhwcDeconvolution;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes and reads a {@code MultiLayerNetwork} as the zip DL4J's {@code ModelSerializer} writes (configuration.json,
 * coefficients.bin, updaterState.bin in {@code Nd4j.write}'s array format), byte for byte, so plain DL4J loads it;
 * but moves the float32 and float64 arrays in bulk and deflates at the fastest level. DL4J 1.0.0-M2.1 moves arrays
 * one value at a time through a DataInput/OutputStream and deflates at the default level: about 0.6 s to read and
 * 1.8 s to write a mnist-small bundle, paid by every job on the driver and by every executor thread that loads the
 * model.
 */
final class NetworkFiles {

    private static final Map<String, String> RENAMED_LAYERS = Map.of(
            "io.vcaps.core.layers.FastConvolution", NhwcConvolution.class.getName(),
            "io.vcaps.core.layers.FastDeconvolution", NhwcDeconvolution.class.getName(),
            "io.vcaps.core.layers.FastDense", FullyConnected.class.getName());

    private NetworkFiles() {
    }

    /**
     * Writes {@code net}: the coefficients stored as they are, since random weights hardly compress and inflating
     * them is most of reading a bundle (ZipInputStream inflates 512 bytes at a time: 0.3-0.5 s for mnist-paper's
     * 27 MB, paid on the driver and by every executor thread); the rest deflated at the fastest level, where the
     * long zero runs of a fresh updater state still shrink.
     */
    static void write(MultiLayerNetwork net, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        zip.setLevel(Deflater.BEST_SPEED);
        DataOutputStream data = new DataOutputStream(zip);
        zip.putNextEntry(new ZipEntry(ModelSerializer.CONFIGURATION_JSON));
        data.write(net.getLayerWiseConfigurations().toJson().getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream coefficients = new ByteArrayOutputStream();
        writeArray(net.params(), new DataOutputStream(coefficients));
        stored(zip, ModelSerializer.COEFFICIENTS_BIN, coefficients.toByteArray());
        INDArray state = net.getUpdater().getStateViewArray();
        if (state != null && state.length() > 0) {
            zip.putNextEntry(new ZipEntry(ModelSerializer.UPDATER_BIN));
            writeArray(state, data);
        }
        data.flush();
        zip.finish();
    }

    /** Adds {@code bytes} to {@code zip} as an entry stored as it is, not deflated. */
    static void stored(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(bytes.length);
        entry.setCompressedSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    /** The entries of a zip, by name. */
    static Map<String, byte[]> entries(InputStream in) throws IOException {
        return BundleLimits.entries(in);
    }

    static MultiLayerNetwork read(byte[] zipBytes) throws IOException {
        return read(zipBytes, true);
    }

    /**
     * A network from its zip; without {@code updaterState} its optimiser state is left fresh, which is all that
     * inference needs (a trained network's Adam moments are twice its parameters).
     */
    static MultiLayerNetwork read(byte[] zipBytes, boolean updaterState) throws IOException {
        Map<String, byte[]> entries = entries(new ByteArrayInputStream(zipBytes));
        byte[] json = entries.get(ModelSerializer.CONFIGURATION_JSON);
        byte[] coefficients = entries.get(ModelSerializer.COEFFICIENTS_BIN);
        if (json == null || coefficients == null) {
            throw new IOException("not a DL4J network: it lacks " + (json == null
                    ? ModelSerializer.CONFIGURATION_JSON : ModelSerializer.COEFFICIENTS_BIN));
        }
        INDArray params = readArray(coefficients);
        long nonFinite = params.isNaN().castTo(DataType.INT64).sumNumber().longValue()
                + params.isInfinite().castTo(DataType.INT64).sumNumber().longValue();
        if (nonFinite > 0) {
            // A NaN weight makes every score NaN: classify would pick an arbitrary entity without a word.
            throw new IOException(nonFinite + " of its " + params.length() + " parameters are NaN or infinite");
        }
        String text = renamedLayers(new String(json, StandardCharsets.UTF_8));
        BundleLimits.checkClasses(text);
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(text);
        conf.setDataType(params.dataType());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(params, false);
        byte[] state = updaterState ? entries.get(ModelSerializer.UPDATER_BIN) : null;
        if (state != null) {
            net.getUpdater().setStateViewArray(net, readArray(state), false);
        }
        return net;
    }

    /**
     * The configuration JSON with the layer classes' names of before the re-layering (DL4J names each layer by its
     * class) replaced by today's, so that bundles and checkpoints written before it still load.
     */
    static String renamedLayers(String json) {
        String current = json;
        for (Map.Entry<String, String> rename : RENAMED_LAYERS.entrySet()) {
            current = current.replace('"' + rename.getKey() + '"', '"' + rename.getValue() + '"');
        }
        return current;
    }

    /** {@code Nd4j.write(array, out)}'s bytes: the shape information buffer, then the data buffer. */
    static void writeArray(INDArray array, DataOutputStream out) throws IOException {
        INDArray whole = array.isView() ? array.dup() : array;
        DataBuffer data = whole.data();
        if (data.dataType() != DataType.FLOAT && data.dataType() != DataType.DOUBLE) {
            Nd4j.write(whole, out);
            return;
        }
        whole.shapeInfoDataBuffer().write(out);
        out.writeUTF(data.allocationMode().name());
        out.writeLong(data.length());
        out.writeUTF(data.dataType().name());
        int length = Math.toIntExact(data.length());
        int width = data.dataType() == DataType.FLOAT ? Float.BYTES : Double.BYTES;
        ByteBuffer bytes = ByteBuffer.allocate(Math.multiplyExact(length, width));
        if (width == Float.BYTES) {
            bytes.asFloatBuffer().put(data.asNioFloat().duplicate().position(0).limit(length));
        } else {
            bytes.asDoubleBuffer().put(data.asNioDouble().duplicate().position(0).limit(length));
        }
        out.write(bytes.array());
    }

    /** An array in {@code Nd4j.write}'s format: float32 and float64 data in bulk, other types by {@code Nd4j.read}. */
    static INDArray readArray(byte[] all) throws IOException {
        DataInputStream data = new DataInputStream(new ByteArrayInputStream(all));
        Header shapeHeader = Header.read(data);
        if (shapeHeader.length() < 0 || shapeHeader.length() > all.length) {
            throw new IOException("array header declares " + shapeHeader.length() + " shape values in " + all.length
                    + " bytes");
        }
        if (shapeHeader.type() != DataType.LONG) {
            return Nd4j.read(new DataInputStream(new ByteArrayInputStream(all)));
        }
        if (shapeHeader.length() < 4 || shapeHeader.length() > 2 * 32 + 4) {
            throw new IOException("array header declares " + shapeHeader.length() + " shape values");
        }
        long[] shapeInfo = new long[Math.toIntExact(shapeHeader.length())];
        for (int i = 0; i < shapeInfo.length; i++) {
            shapeInfo[i] = data.readLong();
        }
        Header dataHeader = Header.read(data);
        if (dataHeader.length() < 0 || dataHeader.length() > data.available()) {
            throw new IOException("array header declares " + dataHeader.length() + " values, but " + data.available()
                    + " bytes follow");
        }
        if (dataHeader.type() != DataType.FLOAT && dataHeader.type() != DataType.DOUBLE) {
            return Nd4j.read(new DataInputStream(new ByteArrayInputStream(all)));
        }
        int rank = (int) shapeInfo[0];
        if (rank < 0 || 1 + rank > shapeInfo.length) {
            throw new IOException("array header declares rank " + shapeInfo[0]);
        }
        long[] shape = Arrays.copyOfRange(shapeInfo, 1, 1 + rank);
        char order = (char) shapeInfo[shapeInfo.length - 1];
        int width = dataHeader.type() == DataType.FLOAT ? Float.BYTES : Double.BYTES;
        if (dataHeader.length() * width != data.available()) {
            throw new IOException("array header declares " + dataHeader.length() + " values of " + width
                    + " bytes, but " + data.available() + " bytes follow (truncated?)");
        }
        int length = Math.toIntExact(dataHeader.length());
        if (Arrays.stream(shape).reduce(1, Math::multiplyExact) != length) {
            throw new IOException("array of shape " + Arrays.toString(shape) + " has " + length + " values");
        }
        ByteBuffer bytes = ByteBuffer.wrap(all, all.length - data.available(), data.available());
        INDArray array = Nd4j.createUninitialized(dataHeader.type(), shape, order);
        if (dataHeader.type() == DataType.FLOAT) {
            array.data().asNioFloat().put(bytes.asFloatBuffer().limit(length));
        } else {
            array.data().asNioDouble().put(bytes.asDoubleBuffer().limit(length));
        }
        return array;
    }

    /** A data buffer's header as {@code BaseDataBuffer.write} puts it. */
    private record Header(long length, DataType type) {
        static Header read(DataInputStream in) throws IOException {
            DataBuffer.AllocationMode mode = DataBuffer.AllocationMode.valueOf(in.readUTF());
            boolean intLength = mode.ordinal() < DataBuffer.AllocationMode.LONG_SHAPE.ordinal();
            long length = intLength ? in.readInt() : in.readLong();
            return new Header(length, DataType.valueOf(in.readUTF()));
        }
    }
}
