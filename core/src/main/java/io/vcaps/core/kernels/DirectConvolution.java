package io.vcaps.core.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Convolutions run whole by libnd4j's {@code conv2d} / {@code deconv2d} ops (oneDNN's kernels on vcaps' default
 * native build) over NHWC views of the flat batches, with vcaps' weight layouts passed as they are: a
 * {@code NhwcConvolution}'s W [k*k*C, F] is libnd4j's [kH, kW, iC, oC] (weight format 0), a
 * {@code NhwcDeconvolution}'s W [Cin, k*k*Cout] its [iC, kH, kW, oC] (format 2). On 2 cores they beat im2col +
 * sgemm several times over for narrow inputs (conv1, mnist-small's primary capsules, G and D) and lose for
 * mnist-paper's 256-channel primary capsules (docs/BENCHMARKS.md), hence {@link #chosen}.
 */
public final class DirectConvolution {

    /** System property that overrides the choice: {@code auto} (default), {@code direct} or {@code im2col}. */
    public static final String PROPERTY = "vcaps.convolution";
    /** The widest input, in channels, that {@code auto} convolves directly. */
    public static final int MAX_DIRECT_CHANNELS = 64;

    private static final int NHWC = 1;
    private static final int CONV_WEIGHTS = 0;
    private static final int DECONV_WEIGHTS = 2;

    private DirectConvolution() {
    }

    /** Whether a convolution over {@code inputChannels} channels runs directly rather than by im2col and sgemm. */
    public static boolean chosen(int inputChannels) {
        return switch (mode()) {
            case "auto" -> inputChannels <= MAX_DIRECT_CHANNELS;
            case "direct" -> true;
            default -> false;
        };
    }

    /** Whether the path is left to the shapes ({@code auto}), which may also pick {@link TapConvolution}. */
    public static boolean auto() {
        return mode().equals("auto");
    }

    private static String mode() {
        String mode = System.getProperty(PROPERTY, "auto");
        if (!mode.equals("auto") && !mode.equals("direct") && !mode.equals("im2col")) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + mode + ": expected auto, direct or im2col");
        }
        return mode;
    }

    /** out [B, oH, oW, F] = conv(x [B, H, W, C], W [k, k, C, F]) + b. */
    public static void forward(INDArray x, INDArray w, INDArray b, INDArray out, Patches p) {
        Nd4j.exec(op("conv2d", p, CONV_WEIGHTS).addInputs(x, w, b).addOutputs(out).build());
    }

    /** dx, dW and db of {@link #forward} from dOut. */
    public static void backward(INDArray x, INDArray w, INDArray b, INDArray dOut, INDArray dx, INDArray dw,
            INDArray db,
            Patches p) {
        Nd4j.exec(op("conv2d_bp", p, CONV_WEIGHTS).addInputs(x, w, b, dOut).addOutputs(dx, dw, db).build());
    }

    /**
     * out [B, H, W, F] = the transpose of convolution {@code p} applied to x [B, oH, oW, C], W [C, k, k, F]; without
     * the bias, which sends libnd4j 1.0.0-M2.1 off oneDNN onto a path 2-3x slower.
     */
    public static void transposedForward(INDArray x, INDArray w, INDArray out, Patches p) {
        Nd4j.exec(op("deconv2d", p, DECONV_WEIGHTS).addInputs(x, w).addOutputs(out).build());
    }

    /** dx, dW and db of {@link #transposedForward} from dOut. */
    public static void transposedBackward(INDArray x, INDArray w, INDArray b, INDArray dOut, INDArray dx, INDArray dw,
            INDArray db, Patches p) {
        Nd4j.exec(op("deconv2d_bp", p, DECONV_WEIGHTS).addInputs(x, w, b, dOut).addOutputs(dx, dw, db).build());
    }

    private static DynamicCustomOp.DynamicCustomOpsBuilder op(String name, Patches p, int weightFormat) {
        // kH, kW, sH, sW, pH, pW, dilation H and W, "same" padding off, data format, weight format.
        return DynamicCustomOp.builder(name).addIntegerArguments(p.kernel(), p.kernel(), p.stride(), p.stride(),
                p.padding(), p.padding(), 1, 1, 0, NHWC, weightFormat);
    }
}
