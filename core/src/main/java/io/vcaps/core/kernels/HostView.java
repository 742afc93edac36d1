package io.vcaps.core.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Reads and writes runs of a contiguous ND4J array's elements as doubles, straight from its native buffer, so
 * the Java kernels work in double whatever the network's data type (float32 for speed, float64 for gradient
 * checks). Views of different threads may touch disjoint runs of the same array.
 */
public final class HostView {

    private final FloatBuffer floats;
    private final DoubleBuffer doubles;
    private final long offset;

    public HostView(INDArray array) {
        if (!contiguous(array)) {
            throw new IllegalArgumentException("expected a contiguous c-order array, got " + array.shapeInfoToString());
        }
        this.offset = array.offset();
        if (array.dataType() == DataType.FLOAT) {
            floats = array.data().asNioFloat();
            doubles = null;
        } else if (array.dataType() == DataType.DOUBLE) {
            doubles = array.data().asNioDouble();
            floats = null;
        } else {
            throw new IllegalArgumentException("unsupported data type " + array.dataType());
        }
    }

    /**
     * Whether the array's elements are one c-order run in its buffer, as the kernels need. Axes of length 1 are
     * skipped: ND4J gives them arbitrary strides (a batch of one image), and they do not move through memory.
     */
    public static boolean contiguous(INDArray array) {
        long[] shape = array.shape();
        long[] stride = array.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** The array itself when {@link #contiguous}, else a contiguous copy. */
    public static INDArray contiguousCopy(INDArray array) {
        return contiguous(array) ? array : array.dup('c');
    }

    /** Reads float32 elements as they are; only for a float32 array. */
    public void read(long at, float[] dst, int off, int len) {
        floats.get(Math.toIntExact(offset + at), dst, off, len);
    }

    /** Writes float32 elements as they are; only for a float32 array. */
    public void write(long at, float[] src, int off, int len) {
        floats.put(Math.toIntExact(offset + at), src, off, len);
    }

    public void read(long at, double[] dst, int off, int len, float[] staging) {
        int from = Math.toIntExact(offset + at);
        if (floats != null) {
            floats.get(from, staging, 0, len);
            for (int i = 0; i < len; i++) {
                dst[off + i] = staging[i];
            }
        } else {
            doubles.get(from, dst, off, len);
        }
    }

    public void write(long at, double[] src, int off, int len, float[] staging) {
        int to = Math.toIntExact(offset + at);
        if (floats != null) {
            for (int i = 0; i < len; i++) {
                staging[i] = (float) src[off + i];
            }
            floats.put(to, staging, 0, len);
        } else {
            doubles.put(to, src, off, len);
        }
    }
}
