package io.vcaps.core.kernels;

import java.util.function.Supplier;

/** Runs test code with the convolution path forced, for tests of the kernels and of the layers over them. */
public final class ConvolutionPaths {

    private ConvolutionPaths() {
    }

    /** {@code body}'s result with the convolution path forced to {@code path}, then the choice left to auto again. */
    public static <T> T onPath(String path, Supplier<T> body) {
        System.setProperty(DirectConvolution.PROPERTY, path);
        try {
            return body.get();
        } finally {
            System.clearProperty(DirectConvolution.PROPERTY);
        }
    }
}
