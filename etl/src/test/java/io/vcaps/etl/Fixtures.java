package io.vcaps.etl;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Test inputs written for real: IDX files, PNG/JPEG images, and broken files of every kind. */
final class Fixtures {
    private Fixtures() {
    }

    /** Writes an IDX file of unsigned bytes with {@code dims}, gzipped when the name ends .gz. */
    static Path idx(Path file, int[] dims, byte[] data) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream maybeGz = file.toString().endsWith(".gz") ? new GZIPOutputStream(raw) : raw;
             DataOutputStream out = new DataOutputStream(maybeGz)) {
            out.writeInt(0x0800 | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        return file;
    }

    /** The pixel value of MNIST-like fixture image {@code index} at byte {@code p}. */
    static int idxPixel(int index, int p) {
        return (index * 7 + p * 3) & 0xff;
    }

    static byte[] idxImages(int count, int side) {
        byte[] data = new byte[count * side * side];
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < side * side; p++) {
                data[i * side * side + p] = (byte) idxPixel(i, p);
            }
        }
        return data;
    }

    static int idxLabel(int index) {
        return (index * 3) % 10;
    }

    static byte[] idxLabels(int count) {
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) idxLabel(i);
        }
        return labels;
    }

    /** A grey image whose pixel (x, y) is {@code (seed + 16 x + y) mod 256}. */
    static BufferedImage grey(int width, int height, int seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, greyValue(seed, x, y));
            }
        }
        return image;
    }

    static int greyValue(int seed, int x, int y) {
        return (seed + 16 * x + y) & 0xff;
    }

    /** An RGB image of one colour. */
    static BufferedImage solid(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, bytes);
    }

    static Path image(Path file, BufferedImage image, String format) throws IOException {
        return write(file, encode(image, format));
    }

    /** A valid PNG header whose IHDR claims {@code width x height}, with no image data. */
    static byte[] pngClaiming(int width, int height) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream fields = new DataOutputStream(ihdr);
        fields.writeInt(width);
        fields.writeInt(height);
        fields.write(new byte[] {8, 0, 0, 0, 0});
        chunk(png, "IHDR", ihdr.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(png);
        out.writeInt(data.length);
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    /** An RGB image of random colours, which no codec compresses much. */
    static BufferedImage noise(int width, int height) {
        BufferedImage noise = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(7);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                noise.setRGB(x, y, random.nextInt());
            }
        }
        return noise;
    }

    /** A PNG of noise, cut to half its length. */
    static byte[] truncatedPng() throws IOException {
        byte[] png = encode(noise(32, 32), "png");
        return java.util.Arrays.copyOf(png, png.length / 2);
    }

    static int[] unsigned(byte[] bytes) {
        int[] values = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            values[i] = bytes[i] & 0xff;
        }
        return values;
    }
}
