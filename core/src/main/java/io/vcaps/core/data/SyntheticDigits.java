package io.vcaps.core.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.Random;

/**
 * MNIST-shaped stand-ins for tests and benchmarks that must not download anything: 28x28 grey digits 0-9 drawn as
 * seven-segment strokes with random shift, scale, slant, stroke width and noise. The same seed gives the same
 * images. Pixels are row-major, one byte each, like MNIST's.
 */
public final class SyntheticDigits {

    public static final int SIZE = 28;

    /** Segments a..g of a seven-segment display, as (x1, y1, x2, y2) in a unit box. */
    private static final double[][] SEGMENTS = {
        {0.2, 0.1, 0.8, 0.1}, {0.8, 0.1, 0.8, 0.5}, {0.8, 0.5, 0.8, 0.9}, {0.2, 0.9, 0.8, 0.9},
        {0.2, 0.5, 0.2, 0.9}, {0.2, 0.1, 0.2, 0.5}, {0.2, 0.5, 0.8, 0.5}};

    /** Which segments each digit lights, as bits a..g. */
    private static final int[] DIGITS = {
        0b0111111, 0b0000110, 0b1011011, 0b1001111, 0b1100110,
        0b1101101, 0b1111101, 0b0000111, 0b1111111, 0b1101111};

    private SyntheticDigits() {
    }

    /** A batch of labelled digits: labels cycle 0..9, images vary with the seed. */
    public record Batch(byte[][] pixels, int[] labels) {
        public int size() {
            return labels.length;
        }
    }

    public static Batch generate(int count, long seed) {
        Random random = new Random(seed);
        byte[][] pixels = new byte[count][];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % 10;
            pixels[i] = draw(labels[i], random);
        }
        return new Batch(pixels, labels);
    }

    /** One digit, 28*28 bytes. */
    public static byte[] draw(int digit, Random random) {
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, SIZE, SIZE);
        double scale = 14 + 4 * random.nextDouble();
        AffineTransform at = new AffineTransform();
        at.translate(SIZE / 2.0 + 2 * random.nextGaussian(), SIZE / 2.0 + 2 * random.nextGaussian());
        at.shear(0.25 * random.nextGaussian(), 0);
        at.scale(scale * (0.8 + 0.2 * random.nextDouble()), scale * 1.2);
        at.translate(-0.5, -0.5);
        g.setColor(Color.WHITE);
        g.setStroke(new BasicStroke((float) (1.6 + 1.2 * random.nextDouble()), BasicStroke.CAP_ROUND,
                BasicStroke.JOIN_ROUND));
        for (int s = 0; s < SEGMENTS.length; s++) {
            if ((DIGITS[digit] >> s & 1) == 1) {
                double[] p = SEGMENTS[s].clone();
                double[] q = new double[4];
                at.transform(p, 0, q, 0, 2);
                g.drawLine((int) Math.round(q[0]), (int) Math.round(q[1]), (int) Math.round(q[2]),
                        (int) Math.round(q[3]));
            }
        }
        g.dispose();
        byte[] out = new byte[SIZE * SIZE];
        image.getRaster().getDataElements(0, 0, SIZE, SIZE, out);
        for (int i = 0; i < out.length; i++) {
            int v = (out[i] & 0xFF) + (int) (12 * random.nextGaussian());
            out[i] = (byte) Math.max(0, Math.min(255, v));
        }
        return out;
    }
}
