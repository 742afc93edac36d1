package io.vcaps.jobs.averaging;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What parameter averaging moves between the driver and the workers, as one byte array: for each network in a fixed
 * order its parameters, its optimiser state, its iteration and epoch counts, and one learning-rate scale for all.
 * The bytes are what is broadcast and returned; nothing else about a network travels. Arrays are
 * float32 or float64, little-endian, in the networks' own flat order.
 */
public final class TrainingState implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int MAGIC = 0x56435453; // "VCTS"
    private static final int HEADER = 4 + 8 + 4;
    private static final byte ABSENT = 0;
    private static final byte FLOAT = 1;
    private static final byte DOUBLE = 2;

    private final byte[] bytes;
    private transient List<Slot> slots;

    /** Where one array lies in the bytes; slot 2i is network i's parameters, 2i+1 its optimiser state. */
    record Slot(DataType type, int length, int offset) implements Serializable {
        boolean present() {
            return type != null;
        }
    }

    private TrainingState(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A state from bytes written by {@link #bytes()}. */
    public static TrainingState of(byte[] bytes) {
        TrainingState state = new TrainingState(bytes);
        state.slots();
        return state;
    }

    /** A copy of the networks' state now, with learning-rate scale {@code scale}. */
    public static TrainingState capture(List<Network> networks, double scale) {
        List<INDArray> arrays = new ArrayList<>();
        List<Slot> layout = new ArrayList<>();
        for (Network network : networks) {
            for (INDArray array : new INDArray[]{network.params(), network.updaterState()}) {
                INDArray plain = array == null ? null : plain(array);
                arrays.add(plain);
                layout.add(plain == null ? new Slot(null, 0, 0)
                        : new Slot(plain.dataType(), Math.toIntExact(plain.length()), 0));
            }
        }
        ByteBuffer out = ByteBuffer.allocate(sizeOf(layout)).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putDouble(scale).putInt(networks.size());
        for (int i = 0; i < networks.size(); i++) {
            out.putInt(networks.get(i).iteration()).putInt(networks.get(i).epoch());
            for (int k = 0; k < 2; k++) {
                INDArray array = arrays.get(2 * i + k);
                if (array == null) {
                    out.put(ABSENT).putInt(0);
                    continue;
                }
                int length = Math.toIntExact(array.length());
                out.put(code(array.dataType())).putInt(length);
                int start = out.position();
                ByteBuffer region = ByteBuffer.wrap(out.array(), start, length * width(array.dataType()))
                        .slice().order(ByteOrder.LITTLE_ENDIAN);
                if (array.dataType() == DataType.FLOAT) {
                    FloatBuffer source = array.data().asNioFloat();
                    source.limit(source.position() + length);
                    region.asFloatBuffer().put(source);
                } else {
                    DoubleBuffer source = array.data().asNioDouble();
                    source.limit(source.position() + length);
                    region.asDoubleBuffer().put(source);
                }
                out.position(start + length * width(array.dataType()));
            }
        }
        return of(out.array());
    }

    /**
     * Writes this state into {@code networks}: learning-rate scale first (it may rebuild an updater), then
     * parameters, optimiser state and counts.
     */
    public void applyTo(List<Network> networks) {
        applyTo(networks, true);
    }

    /**
     * Writes parameters, optimiser state and counts into {@code networks} but leaves their learning rates alone: for
     * the driver's copy of the model, which is saved with the learning rates of its configuration.
     */
    public void applyValuesTo(List<Network> networks) {
        applyTo(networks, false);
    }

    private void applyTo(List<Network> networks, boolean learningRate) {
        List<Slot> s = slots();
        if (networks.size() * 2 != s.size()) {
            throw new IllegalArgumentException("state holds " + s.size() / 2 + " networks, not " + networks.size());
        }
        ByteBuffer in = buffer();
        for (int i = 0; i < networks.size(); i++) {
            Network network = networks.get(i);
            if (learningRate) {
                network.setLearningRateScale(learningRateScale());
            }
            copyInto(s.get(2 * i), network.params(), "network " + i + " parameters");
            copyInto(s.get(2 * i + 1), network.updaterState(), "network " + i + " optimiser state");
            int at = counts(i);
            network.setIteration(in.getInt(at));
            network.setEpoch(in.getInt(at + 4));
        }
    }

    private void copyInto(Slot slot, INDArray target, String what) {
        if (!slot.present() || target == null) {
            if (slot.present() != (target != null)) {
                throw new IllegalArgumentException(what
                        + ": the state and the network disagree on whether there is one");
            }
            return;
        }
        if (target.length() != slot.length() || target.dataType() != slot.type()) {
            throw new IllegalArgumentException(what + ": the state holds " + slot.length() + " " + slot.type()
                    + " values, the network " + target.length() + " " + target.dataType());
        }
        boolean direct = isPlain(target);
        INDArray destination = direct ? target : Nd4j.createUninitialized(target.dataType(), target.length());
        if (slot.type() == DataType.FLOAT) {
            FloatBuffer sink = destination.data().asNioFloat();
            sink.limit(sink.position() + slot.length());
            sink.put(floats(slot));
        } else {
            DoubleBuffer sink = destination.data().asNioDouble();
            sink.limit(sink.position() + slot.length());
            sink.put(doubles(slot));
        }
        if (!direct) {
            target.assign(destination.reshape(target.ordering(), target.shape()));
        }
    }

    /** The serialised form, as broadcast to and returned by the workers. */
    public byte[] bytes() {
        return bytes;
    }

    public int networks() {
        return slots().size() / 2;
    }

    public double learningRateScale() {
        return buffer().getDouble(4);
    }

    public int iteration(int network) {
        return buffer().getInt(counts(network));
    }

    public int epoch(int network) {
        return buffer().getInt(counts(network) + 4);
    }

    /** Overwrites every network's iteration and epoch counts, in place: for a state just assembled from chunks. */
    void setCounts(int[] iterations, int[] epochs) {
        ByteBuffer out = buffer();
        for (int i = 0; i < networks(); i++) {
            out.putInt(counts(i), iterations[i]).putInt(counts(i) + 4, epochs[i]);
        }
    }

    /** The same state with another learning-rate scale. */
    public TrainingState withLearningRateScale(double scale) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putDouble(4, scale);
        return of(copy);
    }

    /** Whether every parameter and optimiser value is finite. */
    public boolean isFinite() {
        for (Slot slot : slots()) {
            if (slot.type() == DataType.FLOAT) {
                FloatBuffer values = floats(slot);
                for (int i = 0; i < slot.length(); i++) {
                    if (!Float.isFinite(values.get(i))) {
                        return false;
                    }
                }
            } else if (slot.type() == DataType.DOUBLE) {
                DoubleBuffer values = doubles(slot);
                for (int i = 0; i < slot.length(); i++) {
                    if (!Double.isFinite(values.get(i))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** The parameters of network {@code network} as a new array (tests, checks). */
    public INDArray params(int network) {
        return array(slots().get(2 * network));
    }

    /** The optimiser state of network {@code network} as a new array, or null. */
    public INDArray updaterState(int network) {
        Slot slot = slots().get(2 * network + 1);
        return slot.present() ? array(slot) : null;
    }

    private INDArray array(Slot slot) {
        if (slot.type() == DataType.FLOAT) {
            float[] values = new float[slot.length()];
            floats(slot).get(values);
            return Nd4j.createFromArray(values);
        }
        double[] values = new double[slot.length()];
        doubles(slot).get(values);
        return Nd4j.createFromArray(values);
    }

    List<Slot> slots() {
        if (slots == null) {
            ByteBuffer in = buffer();
            if (bytes.length < HEADER || in.getInt(0) != MAGIC) {
                throw new IllegalArgumentException("not a vcaps training state (" + bytes.length + " bytes)");
            }
            int networks = in.getInt(12);
            List<Slot> parsed = new ArrayList<>(networks * 2);
            in.position(HEADER);
            for (int i = 0; i < networks; i++) {
                in.position(in.position() + 8);
                for (int k = 0; k < 2; k++) {
                    byte code = in.get();
                    int length = in.getInt();
                    DataType type = type(code);
                    parsed.add(new Slot(type, length, in.position()));
                    in.position(in.position() + (type == null ? 0 : length * width(type)));
                }
            }
            slots = parsed;
        }
        return slots;
    }

    /** Byte offset of network {@code i}'s iteration count. */
    private int counts(int i) {
        List<Slot> s = slots();
        return i == 0 ? HEADER : s.get(2 * i - 1).offset()
                + (s.get(2 * i - 1).present() ? s.get(2 * i - 1).length() * width(s.get(2 * i - 1).type()) : 0);
    }

    /** The values of a float32 slot, read in place. */
    FloatBuffer floats(Slot slot) {
        return region(slot).asFloatBuffer();
    }

    /** The values of a float64 slot, read in place. */
    DoubleBuffer doubles(Slot slot) {
        return region(slot).asDoubleBuffer();
    }

    private ByteBuffer region(Slot slot) {
        return ByteBuffer.wrap(bytes, slot.offset(), slot.length() * width(slot.type())).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A new state of the same layout as {@code layout} holding {@code values} (one array per slot; null: zeros). */
    static TrainingState build(List<Slot> layout, double scale, int[] iterations, int[] epochs, double[][] values) {
        ByteBuffer out = ByteBuffer.allocate(sizeOf(layout)).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putDouble(scale).putInt(layout.size() / 2);
        for (int i = 0; i < layout.size() / 2; i++) {
            out.putInt(iterations[i]).putInt(epochs[i]);
            for (int k = 0; k < 2; k++) {
                Slot slot = layout.get(2 * i + k);
                if (!slot.present()) {
                    out.put(ABSENT).putInt(0);
                    continue;
                }
                out.put(code(slot.type())).putInt(slot.length());
                if (values == null) {
                    out.position(out.position() + slot.length() * width(slot.type()));
                    continue;
                }
                double[] v = values[2 * i + k];
                if (slot.type() == DataType.FLOAT) {
                    for (double x : v) {
                        out.putFloat((float) x);
                    }
                } else {
                    for (double x : v) {
                        out.putDouble(x);
                    }
                }
            }
        }
        return of(out.array());
    }

    /** A state of layout {@code layout} holding zeros, counts 0 and scale 1. */
    static TrainingState zeros(List<Slot> layout) {
        int networks = layout.size() / 2;
        return build(layout, 1.0, new int[networks], new int[networks], null);
    }

    private static int sizeOf(List<Slot> layout) {
        int size = HEADER;
        for (int i = 0; i < layout.size(); i++) {
            Slot slot = layout.get(i);
            size += (i % 2 == 0 ? 8 : 0) + 1 + 4 + (slot.present() ? slot.length() * width(slot.type()) : 0);
        }
        return size;
    }

    private static INDArray plain(INDArray array) {
        return isPlain(array) ? array : array.dup('c');
    }

    private static boolean isPlain(INDArray array) {
        return !array.isView() && array.ordering() == 'c' && array.offset() == 0
                && array.data().length() == array.length()
                && (array.dataType() == DataType.FLOAT || array.dataType() == DataType.DOUBLE);
    }

    static int width(DataType type) {
        return switch (type) {
            case FLOAT -> 4;
            case DOUBLE -> 8;
            default -> throw new IllegalArgumentException(
                    "parameter averaging supports float32 and float64 networks, not " + type);
        };
    }

    private static byte code(DataType type) {
        return switch (type) {
            case FLOAT -> FLOAT;
            case DOUBLE -> DOUBLE;
            default -> throw new IllegalArgumentException(
                    "parameter averaging supports float32 and float64 networks, not " + type);
        };
    }

    private static DataType type(byte code) {
        return switch (code) {
            case ABSENT -> null;
            case FLOAT -> DataType.FLOAT;
            case DOUBLE -> DataType.DOUBLE;
            default -> throw new IllegalArgumentException("bad array type " + code + " in a training state");
        };
    }
}
