package io.vcaps.core.layers;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One named parameter of a vcaps layer: its shape (row-major) and how it starts.
 * Weights start from N(0, std^2); biases (std = 0) start at zero.
 */
public record ParamSpec(String name, long[] shape, double std) implements Serializable {

    public static ParamSpec weight(String name, double std, long... shape) {
        return new ParamSpec(name, shape, std);
    }

    public static ParamSpec bias(String name, long... shape) {
        return new ParamSpec(name, shape, 0.0);
    }

    public long length() {
        return Arrays.stream(shape).reduce(1L, (a, b) -> a * b);
    }

    public boolean isBias() {
        return std == 0.0;
    }
}
