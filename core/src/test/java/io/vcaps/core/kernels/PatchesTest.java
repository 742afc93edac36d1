package io.vcaps.core.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 Java kernels of {@link Patches} against libnd4j's im2col and col2im (the path the float64 gradient
 * checks run), and im2col against the definition of a patch, over strides, paddings and channel counts.
 */
class PatchesTest {

    @ParameterizedTest(name = "{0}x{1}x{2} k{3} s{4} p{5}")
    @CsvSource({"9,8,1,3,1,0", "9,8,3,3,2,1", "7,7,4,5,2,2", "6,5,2,3,3,1", "4,4,5,2,1,1"})
    void javaKernelsEqualLibnd4j(int height, int width, int channels, int kernel, int stride, int padding) {
        Patches p = new Patches(height, width, channels, kernel, stride, padding);
        int batch = 3;
        Nd4j.getRandom().setSeed(5);
        INDArray images = Nd4j.rand(DataType.FLOAT, batch, (long) height * width * channels);
        INDArray ours = Nd4j.zeros(DataType.FLOAT, p.bufferShape(batch)).addi(7);
        INDArray theirs = Nd4j.zeros(DataType.FLOAT, p.bufferShape(batch));
        p.im2colFloat(images, ours);
        p.im2colLibnd4j(images, theirs);
        assertEquals(theirs, ours, "im2col");
        assertPatchDefinition(p, images, ours);
        assertTrue(Patches.javaKernel(images, ours), "a float batch and its patch buffer take the Java kernel");

        INDArray rows = Nd4j.randn(DataType.FLOAT, p.bufferShape(batch));
        INDArray summedOurs = Nd4j.zeros(DataType.FLOAT, images.shape()).addi(7);
        INDArray summedTheirs = Nd4j.zeros(DataType.FLOAT, images.shape()).addi(7);
        p.col2imFloat(rows, summedOurs);
        p.col2imLibnd4j(rows, summedTheirs);
        assertTrue(summedTheirs.equalsWithEps(summedOurs, 1e-5), "col2im differs");
    }

    private static void assertPatchDefinition(Patches p, INDArray images, INDArray patches) {
        int k = p.kernel();
        int c = p.channels();
        for (int b = 0; b < images.size(0); b++) {
            for (int oy = 0; oy < p.outHeight(); oy++) {
                for (int ox = 0; ox < p.outWidth(); ox++) {
                    for (int ky = 0; ky < k; ky++) {
                        for (int kx = 0; kx < k; kx++) {
                            for (int ch = 0; ch < c; ch++) {
                                int y = oy * p.stride() - p.padding() + ky;
                                int x = ox * p.stride() - p.padding() + kx;
                                boolean inside = y >= 0 && y < p.height() && x >= 0 && x < p.width();
                                float expected = inside ? images.getFloat(b, (y * p.width() + x) * c + ch) : 0f;
                                int row = (b * p.outHeight() + oy) * p.outWidth() + ox;
                                assertEquals(expected, patches.getFloat(row, (ky * k + kx) * c + ch),
                                        "patch (" + b + "," + oy + "," + ox + ") at (" + ky + "," + kx + "," + ch
                                                + ")");
                            }
                        }
                    }
                }
            }
        }
    }
}
