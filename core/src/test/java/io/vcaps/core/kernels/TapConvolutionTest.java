package io.vcaps.core.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TapConvolution}'s forward pass gives libnd4j's {@code conv2d} output, in float32, over geometries where the
 * padding cuts taps off at every edge (the shifted planes wrap there), with one filter and several, and is chosen
 * only where it applies.
 */
class TapConvolutionTest {

    /** Largest difference from libnd4j's conv2d, relative to its largest output, for one geometry. */
    private static double differenceFromLibnd4j(int height, int width, int channels, int filters, int kernel,
            int padding) {
        Patches p = new Patches(height, width, channels, kernel, 1, padding);
        int batch = 3;
        Nd4j.getRandom().setSeed(height * 31L + width * 7L + channels + filters + kernel + padding);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, (long) height * width * channels).subi(0.5);
        INDArray w = Nd4j.randn(DataType.FLOAT, (long) kernel * kernel * channels, filters);
        INDArray b = Nd4j.randn(DataType.FLOAT, filters);
        INDArray expected = Nd4j.create(DataType.FLOAT, p.rows(batch), filters);
        DirectConvolution.forward(p.images(x), w.reshape('c', kernel, kernel, channels, filters), b,
                p.grid(expected, batch, filters), p);
        INDArray actual = Nd4j.create(DataType.FLOAT, p.rows(batch), filters).assign(Float.NaN);
        INDArray taps = Nd4j.create(DataType.FLOAT, (long) kernel * kernel * filters, (long) batch * height * width);
        assertTrue(TapConvolution.chosen(p, filters, x, actual), "the tap path applies to " + p);
        TapConvolution.forward(x, w, b, actual, taps, p);
        assertTrue(expected.amaxNumber().doubleValue() > 0.1, "libnd4j's output is all but zero");
        return actual.sub(expected).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue();
    }

    @Test
    void givesLibnd4jsConvolution() {
        int[][] geometries = {
                // height, width, channels, filters, kernel, padding
                {28, 28, 16, 1, 3, 1},      // the generator's last layer on MNIST
                {9, 7, 5, 3, 3, 1},         // RGB output, not square
                {6, 5, 4, 2, 5, 2},         // padding larger than a tap from the edge
                {7, 8, 3, 1, 3, 0},         // no padding: a smaller output
                {5, 5, 2, 4, 1, 0},         // 1x1
        };
        for (int[] g : geometries) {
            double worst = differenceFromLibnd4j(g[0], g[1], g[2], g[3], g[4], g[5]);
            assertTrue(worst < 1e-5, java.util.Arrays.toString(g) + ": differs by " + worst + " of the largest output");
        }
    }

    @Test
    void isChosenOnlyForStrideOneFewFiltersInFloat32() {
        INDArray x = Nd4j.create(DataType.FLOAT, 2, 8 * 8 * 4);
        Patches narrow = new Patches(8, 8, 4, 3, 1, 1);
        assertTrue(TapConvolution.chosen(narrow, TapConvolution.MAX_FILTERS, x, Nd4j.create(DataType.FLOAT, 128, 4)));
        assertFalse(TapConvolution.chosen(narrow, TapConvolution.MAX_FILTERS + 1, x,
                Nd4j.create(DataType.FLOAT, 128, 5)), "wide output");
        assertFalse(TapConvolution.chosen(new Patches(8, 8, 4, 4, 2, 1), 1, x, Nd4j.create(DataType.FLOAT, 32, 1)),
                "stride 2");
        assertFalse(TapConvolution.chosen(new Patches(8, 8, 4, 3, 1, 2), 1, x, Nd4j.create(DataType.FLOAT, 200, 1)),
                "padding beyond 'same': an output larger than the input");
        assertFalse(TapConvolution.chosen(narrow, 1, x.castTo(DataType.DOUBLE), Nd4j.create(DataType.DOUBLE, 128, 1)),
                "float64");
        assertFalse(ConvolutionPaths.onPath("direct",
                () -> TapConvolution.chosen(narrow, 1, x, Nd4j.create(DataType.FLOAT, 128, 1))), "forced direct");
    }
}
