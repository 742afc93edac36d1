package io.vcaps.jobs.averaging;

import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link TrainingState}'s values are cut into {@code C} contiguous chunks for averaging: the values of every
 * present slot, in slot order, form one sequence of N values, and chunk c is values [c N / C, (c + 1) N / C). A
 * chunk's bytes are its slots' raw little-endian bytes, one segment after another, so a worker cuts them from its
 * state without converting anything, and the averaged chunk is pasted back the same way.
 */
final class StateChunks {

    /** Values [from, to) of slot {@code slot}. */
    record Segment(int slot, int from, int to) {
        int length() {
            return to - from;
        }
    }

    private final List<TrainingState.Slot> layout;
    private final int chunks;
    private final long values;

    StateChunks(List<TrainingState.Slot> layout, int chunks) {
        if (chunks < 1) {
            throw new IllegalArgumentException("at least one chunk, got " + chunks);
        }
        this.layout = layout;
        this.chunks = chunks;
        long n = 0;
        for (TrainingState.Slot slot : layout) {
            n += slot.present() ? slot.length() : 0;
        }
        this.values = n;
    }

    int chunks() {
        return chunks;
    }

    /** The segments of chunk {@code c}, in slot order. */
    List<Segment> segments(int c) {
        long lo = c * values / chunks;
        long hi = (c + 1) * values / chunks;
        List<Segment> out = new ArrayList<>();
        long start = 0;
        for (int s = 0; s < layout.size(); s++) {
            TrainingState.Slot slot = layout.get(s);
            if (!slot.present()) {
                continue;
            }
            long end = start + slot.length();
            long from = Math.max(lo, start);
            long to = Math.min(hi, end);
            if (from < to) {
                out.add(new Segment(s, (int) (from - start), (int) (to - start)));
            }
            start = end;
        }
        return out;
    }

    /** The bytes of chunk {@code c} of {@code state}. */
    byte[] cut(TrainingState state, int c) {
        List<Segment> segments = segments(c);
        byte[] out = new byte[byteLength(segments)];
        int at = 0;
        for (Segment g : segments) {
            TrainingState.Slot slot = layout.get(g.slot());
            int width = TrainingState.width(slot.type());
            System.arraycopy(state.bytes(), slot.offset() + g.from() * width, out, at, g.length() * width);
            at += g.length() * width;
        }
        return out;
    }

    /** Writes chunk {@code c}'s bytes into {@code state} (whose bytes are changed in place). */
    void paste(byte[] chunk, TrainingState state, int c) {
        List<Segment> segments = segments(c);
        if (chunk.length != byteLength(segments)) {
            throw new IllegalStateException("chunk " + c + " has " + chunk.length + " bytes, the layout "
                    + byteLength(segments));
        }
        int at = 0;
        for (Segment g : segments) {
            TrainingState.Slot slot = layout.get(g.slot());
            int width = TrainingState.width(slot.type());
            System.arraycopy(chunk, at, state.bytes(), slot.offset() + g.from() * width, g.length() * width);
            at += g.length() * width;
        }
    }

    int byteLength(List<Segment> segments) {
        int n = 0;
        for (Segment g : segments) {
            n += g.length() * TrainingState.width(layout.get(g.slot()).type());
        }
        return n;
    }

    List<TrainingState.Slot> layout() {
        return layout;
    }
}
