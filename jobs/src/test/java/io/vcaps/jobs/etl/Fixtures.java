package io.vcaps.jobs.etl;

import io.vcaps.images.ImageFixtures;

import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Test inputs written for real: IDX files, and image files ({@link ImageFixtures} makes their bytes). */
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

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, bytes);
    }

    static Path image(Path file, BufferedImage image, String format) throws IOException {
        return write(file, ImageFixtures.encode(image, format));
    }

}
