package io.vcaps.core.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 per-child products of {@link ChildProducts} equal libnd4j's batched matmul (which the float64
 * gradient checks go through) on the routing layer's shapes, including an odd batch and output width, children
 * that fill whole tiles and some that do not, and an array that starts inside its buffer.
 */
class ChildProductsTest {

    private static void assertClose(String what, INDArray expected, INDArray actual) {
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double worst = expected.sub(actual).amaxNumber().doubleValue() / scale;
        assertTrue(worst < 1e-5, what + " differs by " + worst + " of its largest value");
        assertTrue(expected.amaxNumber().doubleValue() > 0, what + " is all zero");
    }

    private static void check(int children, int batch, int in, int out) {
        Nd4j.getRandom().setSeed(children * 31L + batch);
        INDArray u = Nd4j.randn(DataType.FLOAT, children, batch, in);
        INDArray w = Nd4j.randn(DataType.FLOAT, children + 1, in, out).get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, children + 1));
        INDArray duhat = Nd4j.randn(DataType.FLOAT, children, batch, out);
        assertTrue(ChildProducts.applies(u, w, duhat), "a slice along the first axis is contiguous");

        INDArray votes = Nd4j.create(DataType.FLOAT, batch, out, children);
        ChildProducts.votes(u, w, votes);
        assertClose("votes, image by image", Nd4j.matmul(u, w).permute(1, 2, 0), votes);

        INDArray dw = Nd4j.create(DataType.FLOAT, children, in, out);
        INDArray du = Nd4j.create(DataType.FLOAT, children, batch, in);
        ChildProducts.backward(u, w, duhat, dw, du);
        INDArray expectedDw = Nd4j.create(DataType.FLOAT, children, in, out);
        Nd4j.matmul(u, duhat, expectedDw, true, false, false);
        INDArray expectedDu = Nd4j.create(DataType.FLOAT, children, batch, in);
        Nd4j.matmul(duhat, w, expectedDu, false, true, false);
        assertClose("dW", expectedDw, dw);
        assertClose("du", expectedDu, du);
    }

    @Test
    void equalsBatchedMatmul() {
        check(37, 5, 8, 160);
        check(128, 2, 8, 16);
        check(9, 3, 4, 15);
        check(4, 1, 8, 33);
        // Rows of W not a multiple of the four that the vector loops take at a time.
        check(6, 3, 6, 20);
    }

    @Test
    void otherTypesAreLeftToLibnd4j() {
        assertFalse(ChildProducts.applies(Nd4j.create(DataType.DOUBLE, 2, 3, 4)));
        assertFalse(ChildProducts.applies(Nd4j.create(DataType.FLOAT, 3, 2, 4).permute(1, 0, 2)));
    }
}
