package io.vcaps.tests;

import io.vcaps.core.data.SyntheticDigits;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An MNIST-format (IDX) dataset of {@link SyntheticDigits}: {@code train-*} and {@code t10k-*} image and label files,
 * as {@code vcaps etl --source idx} reads them. Labels cycle 0..9, so every digit has count / 10 images.
 */
final class IdxDigits {

    private IdxDigits() {
    }

    static void write(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        write(dir, "train", SyntheticDigits.generate(train, 1));
        write(dir, "t10k", SyntheticDigits.generate(test, 2));
    }

    private static void write(Path dir, String prefix, SyntheticDigits.Batch digits) throws IOException {
        try (DataOutputStream images = open(dir.resolve(prefix + "-images-idx3-ubyte"))) {
            images.writeInt(0x00000803);
            images.writeInt(digits.size());
            images.writeInt(SyntheticDigits.SIZE);
            images.writeInt(SyntheticDigits.SIZE);
            for (byte[] pixels : digits.pixels()) {
                images.write(pixels);
            }
        }
        try (DataOutputStream labels = open(dir.resolve(prefix + "-labels-idx1-ubyte"))) {
            labels.writeInt(0x00000801);
            labels.writeInt(digits.size());
            for (int label : digits.labels()) {
                labels.writeByte(label);
            }
        }
    }

    private static DataOutputStream open(Path file) throws IOException {
        OutputStream out = Files.newOutputStream(file);
        return new DataOutputStream(new java.io.BufferedOutputStream(out));
    }
}
