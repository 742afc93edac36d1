package io.vcaps.jobs.etl;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The header of an IDX file (the MNIST format): two zero bytes, the element type (only 0x08,
 * unsigned byte, is read), the number of dimensions, then each dimension as a big-endian int. The
 * first dimension counts the records.
 */
record IdxHeader(int[] dims) implements Serializable {
    private static final int UNSIGNED_BYTE = 0x08;

    /** Reads and checks the header at the start of {@code in}. */
    public static IdxHeader read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic;
        try {
            magic = data.readInt();
        } catch (EOFException e) {
            throw new IOException("the file is shorter than an IDX header");
        }
        if ((magic >>> 16) != 0) {
            throw new IOException(String.format("bad magic number 0x%08x (an IDX file starts 0x0000)", magic));
        }
        int type = (magic >>> 8) & 0xff;
        if (type != UNSIGNED_BYTE) {
            throw new IOException(String.format("element type 0x%02x is not supported (only 0x08, unsigned byte)",
                    type));
        }
        int rank = magic & 0xff;
        if (rank < 1) {
            throw new IOException("the header declares no dimensions");
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            try {
                dims[i] = data.readInt();
            } catch (EOFException e) {
                throw new IOException("the header ends before dimension " + (i + 1) + " of " + rank);
            }
            if (dims[i] < 0 || (i > 0 && dims[i] == 0)) {
                throw new IOException("dimension " + (i + 1) + " is " + dims[i]);
            }
        }
        return new IdxHeader(dims);
    }

    /** Number of records. */
    public int count() {
        return dims[0];
    }

    /** Bytes before the first record. */
    public int headerBytes() {
        return 4 + 4 * dims.length;
    }

    /** Bytes of one record: the product of the dimensions after the first. */
    public long recordBytes() {
        long bytes = 1;
        for (int i = 1; i < dims.length; i++) {
            bytes *= dims[i];
        }
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdxHeader other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return "IDX " + Arrays.toString(dims);
    }
}
