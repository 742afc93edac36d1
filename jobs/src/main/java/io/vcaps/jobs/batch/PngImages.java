package io.vcaps.jobs.batch;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

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
        return encode(toImage(pixels, height, width, channels));
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
        return encode(toImage(out, gridH, gridW, channels));
    }

    /** uint8 pixels of model output {@code images} [B, H*W*C] in [0, 1], one array per image, rounded and clipped. */
    public static List<byte[]> fromUnit(INDArray images) {
        int count = (int) images.size(0);
        int per = (int) images.size(1);
        float[] values = images.castTo(DataType.FLOAT).dup('c').data().asFloat();
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] pixels = new byte[per];
            for (int p = 0; p < per; p++) {
                pixels[p] = (byte) Math.min(255, Math.max(0, Math.round(values[i * per + p] * 255f)));
            }
            out.add(pixels);
        }
        return out;
    }

    private static BufferedImage toImage(byte[] pixels, int height, int width, int channels) {
        if (pixels.length != height * width * channels) {
            throw new IllegalArgumentException(pixels.length + " bytes are not a " + height + "x" + width + "x" + channels + " image");
        }
        BufferedImage image = new BufferedImage(width, height,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster raster = image.getRaster();
        byte[] target = ((DataBufferByte) raster.getDataBuffer()).getData();
        if (channels == 1) {
            System.arraycopy(pixels, 0, target, 0, pixels.length);
        } else {
            for (int i = 0; i < pixels.length; i += 3) {
                target[i] = pixels[i + 2];
                target[i + 1] = pixels[i + 1];
                target[i + 2] = pixels[i];
            }
        }
        return image;
    }

    /** PNG bytes, through a memory-cached stream: {@code ImageIO.write} to a stream would buffer in a temporary file. */
    private static byte[] encode(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no PNG writer in this JVM");
        }
        ImageWriter writer = writers.next();
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
