package io.vcaps.core.kernels;

/**
 * Scratch arrays kept per thread and reused by a hot loop from call to call, each at least as long as asked (callers
 * pass lengths explicitly). Allocated per call instead, the im2col and squash loops alone made gigabytes of garbage
 * per few thousand images: young collections and G1's concurrent cycles, which on two cores take time from the
 * kernels themselves.
 */
final class ThreadArrays {
    private final ThreadLocal<float[][]> floats;
    private final ThreadLocal<double[][]> doubles;

    public ThreadArrays(int floatSlots, int doubleSlots) {
        floats = ThreadLocal.withInitial(() -> new float[floatSlots][0]);
        doubles = ThreadLocal.withInitial(() -> new double[doubleSlots][0]);
    }

    /** This thread's float array in {@code slot}, of at least {@code length}; contents are left from its last use. */
    public float[] floats(int slot, int length) {
        float[][] arrays = floats.get();
        if (arrays[slot].length < length) {
            arrays[slot] = new float[length];
        }
        return arrays[slot];
    }

    /** This thread's double array in {@code slot}, of at least {@code length}; contents are left from its last use. */
    public double[] doubles(int slot, int length) {
        double[][] arrays = doubles.get();
        if (arrays[slot].length < length) {
            arrays[slot] = new double[length];
        }
        return arrays[slot];
    }
}
