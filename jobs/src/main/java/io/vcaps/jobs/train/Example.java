package io.vcaps.jobs.train;

import java.io.Serializable;

/**
 * One training image as workers hold it: the dataset's stable id, the entities present in it (the label, or every
 * label of a multi-label row) and its raw uint8 HWC pixels.
 */
public record Example(String id, int[] present, byte[] pixels) implements Serializable, Comparable<Example> {

    @Override
    public int compareTo(Example other) {
        return id.compareTo(other.id);
    }
}
