package io.vcaps.jobs.batch;

import ar.com.hjg.pngj.ImageInfo;
import ar.com.hjg.pngj.ImageLineByte;
import ar.com.hjg.pngj.PngWriter;
import ar.com.hjg.pngj.pixels.CompressorStreamDeflater;
import ar.com.hjg.pngj.pixels.PixelsWriter;
import ar.com.hjg.pngj.pixels.PixelsWriterDefault;
import io.vcaps.spark.JobFailure;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Pictures of vcaps images (uint8, row-major HWC, 1 or 3 channels) as PNG: one image, or a grid of them on a light grey
 * background (contact sheets, traversals), each cell scaled up by a whole factor so small images can be seen.
 */
public final class PngImages {
    private static final int GAP = 2;
    private static final int BACKGROUND = 0xB0;

    private PngImages() {
    }

    /** One image, at its own size. */
    public static byte[] image(byte[] pixels, int height, int width, int channels) {
        return encode(pixels, height, width, channels);
    }

    /**
     * A grid of {@code columns} images per row, in order, each scaled by {@code scale}; a null entry leaves its
     * cell empty.
     */
    public static byte[] grid(List<byte[]> images, int columns, int height, int width, int channels, int scale) {
        int rows = Math.max(1, (images.size() + columns - 1) / columns);
        int cellH = height * scale;
        int cellW = width * scale;
        int gridW = columns * (cellW + GAP) + GAP;
        int gridH = rows * (cellH + GAP) + GAP;
        byte[] out = new byte[gridW * gridH * channels];
        java.util.Arrays.fill(out, (byte) BACKGROUND);
        for (int n = 0; n < images.size(); n++) {
            byte[] p = images.get(n);
            if (p == null) {
                continue;
            }
            int top = GAP + (n / columns) * (cellH + GAP);
            int left = GAP + (n % columns) * (cellW + GAP);
            for (int y = 0; y < cellH; y++) {
                for (int x = 0; x < cellW; x++) {
                    int from = ((y / scale) * width + x / scale) * channels;
                    int to = ((top + y) * gridW + left + x) * channels;
                    System.arraycopy(p, from, out, to, channels);
                }
            }
        }
        return encode(out, gridH, gridW, channels);
    }

    /** As {@link #fromUnit(INDArray, String)} for images that are "the model's output". */
    public static List<byte[]> fromUnit(INDArray images) {
        return fromUnit(images, "the model's output");
    }

    /**
     * uint8 pixels of model output {@code images} [B, H*W*C] in [0, 1], one array per image, rounded and clipped;
     * an image with a NaN or infinite value fails naming it ({@link #pixels}).
     *
     * @param what what the images are, for the failure: "image i of {@code what}"
     */
    public static List<byte[]> fromUnit(INDArray images, String what) {
        int count = (int) images.size(0);
        int per = (int) images.size(1);
        float[] values = images.castTo(DataType.FLOAT).dup('c').data().asFloat();
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(pixels(values, i * per, per, "image " + (i + 1) + " of " + what));
        }
        return out;
    }

    /**
     * The uint8 pixels of one image of model output in [0, 1] ({@code length} values of {@code values} from
     * {@code offset}), rounded and clipped. A NaN or infinite value fails the job naming the image and how many of
     * its values were not finite: rounded, NaN would be black without a word (the generator's values overflow float32
     * for it, a model not fit to synthesise from).
     */
    public static byte[] pixels(float[] values, int offset, int length, String image) {
        byte[] pixels = new byte[length];
        int notFinite = 0;
        for (int p = 0; p < length; p++) {
            float v = values[offset + p];
            if (!Float.isFinite(v)) {
                notFinite++;
            }
            pixels[p] = (byte) Math.min(255, Math.max(0, Math.round(v * 255f)));
        }
        if (notFinite > 0) {
            throw new JobFailure(image + " has " + notFinite + " of its " + length + " pixel values NaN or infinite"
                    + " (non_finite): the generator's output overflows for it; no image is written black in their"
                    + " place");
        }
        return pixels;
    }

    /**
     * PNG bytes by PNGJ: 25-50 us for a 28x28 image here against 70-100 us for ImageIO's writer, whose per-image
     * setup (metadata tree, image output stream) held {@code generate --images png} back. Rows are written as they
     * are: grey, or RGB in the image's own order.
     */
    private static byte[] encode(byte[] pixels, int height, int width, int channels) {
        if (pixels.length != height * width * channels) {
            throw new IllegalArgumentException(pixels.length + " bytes are not a " + height + "x" + width + "x"
                    + channels + " image");
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("a PNG of " + channels + " channels: expected 1 (grey) or 3 (RGB)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        ImageInfo info = new ImageInfo(width, height, 8, false, channels == 1, false);
        PngWriter writer = new ThreadDeflaterWriter(out, info);
        ImageLineByte line = new ImageLineByte(info);
        int rowBytes = width * channels;
        for (int y = 0; y < height; y++) {
            System.arraycopy(pixels, y * rowBytes, line.getScanline(), 0, rowBytes);
            writer.writeRow(line);
        }
        writer.end();
        return out.toByteArray();
    }

    /**
     * Each thread's zlib stream at zlib's default level, reset per image: a new one per image cost its native setup
     * (about 256 KB).
     */
    private static final ThreadLocal<Deflater> DEFLATERS =
            ThreadLocal.withInitial(() -> new Deflater(Deflater.DEFAULT_COMPRESSION));

    /** A PngWriter whose pixels go through this thread's {@link #DEFLATERS} instead of a new Deflater. */
    private static final class ThreadDeflaterWriter extends PngWriter {
        ThreadDeflaterWriter(OutputStream out, ImageInfo info) {
            super(out, info);
        }

        @Override
        protected PixelsWriter createPixelsWriter(ImageInfo info) {
            return new PixelsWriterDefault(info) {
                @Override
                protected void initParams() {
                    Deflater deflater = DEFLATERS.get();
                    deflater.reset();
                    setCompressorStream(new CompressorStreamDeflater(getOs(), buflen, info.getTotalRawBytes(),
                            deflater));
                    super.initParams();
                }
            };
        }
    }
}
