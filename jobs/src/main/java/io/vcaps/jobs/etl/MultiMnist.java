package io.vcaps.jobs.etl;

import io.vcaps.dataset.DatasetSchema;
import io.vcaps.spark.JobFailure;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * MultiMNIST (Sabour, Frosst and Hinton 2017, "Dynamic routing between capsules", section 6): each canvas overlays
 * two MNIST digits of different classes from the same split on a 36 x 36 canvas, each digit placed at the centre
 * shifted by an independent uniform integer offset of -4..4 pixels in each direction; where the digits overlap a
 * pixel takes the larger of the two values (the pixel-wise max, so a stroke keeps its own intensity where a summed
 * overlap would saturate). The label is the set of the two digits.
 *
 * <p>Written in the layout of the ETL's attributes source: {@code OUTPUT/train/NNNNNN.png} from the MNIST training
 * digits, {@code OUTPUT/test/NNNNNN.png} from the test digits (the folders give the split), and
 * {@code OUTPUT/attributes.txt}, a CelebA-style file with one attribute per digit, named {@code 0} .. {@code 9}
 * as MNIST's entities are.
 * Everything follows from the seed: the same inputs and seed give the same bytes.
 */
final class MultiMnist {
    /** The canvas side and the largest shift of a digit from its centre, as in the paper. */
    public static final int CANVAS = 36, SHIFT = 4;
    /** The attribute file inside the output folder. */
    public static final String ATTRIBUTES = AttributeFolder.ATTRIBUTES;

    private static final int DIGITS = 10;

    private MultiMnist() {
    }

    /** MNIST images of one split: {@code count} images of {@code side} x {@code side} grey bytes and their labels. */
    public record Digits(int side, byte[][] pixels, int[] labels) {
    }

    /**
     * One canvas: its grey pixels, row-major, the two digits it shows, the indices of their MNIST images and
     * where each image's top-left corner lies on the canvas ({@code {top, left}}).
     */
    public record Canvas(byte[] pixels, int first, int second, int firstImage, int secondImage, int[] firstAt,
            int[] secondAt) {
    }

    /** What was written: canvases per split. */
    public record Written(int train, int test) {
    }

    /**
     * Reads {@code prefix}-images-idx3-ubyte and {@code prefix}-labels-idx1-ubyte ({@code train} or {@code t10k},
     * optionally gzipped, or spelt {@code prefix-images.idx3-ubyte}) from {@code dir}.
     */
    public static Digits read(Path dir, String prefix) throws IOException {
        Path images = find(dir, prefix, "images", "idx3");
        Path labels = find(dir, prefix, "labels", "idx1");
        byte[][] pixels;
        int side;
        try (InputStream in = open(images)) {
            IdxHeader header = header(in, images);
            if (header.dims().length != 3 || header.dims()[1] != header.dims()[2]) {
                throw new JobFailure(images + ": expected square grey images (count, rows, columns), got dimensions "
                        + header);
            }
            side = header.dims()[1];
            pixels = new byte[header.count()][side * side];
            DataInputStream data = new DataInputStream(in);
            for (int i = 0; i < pixels.length; i++) {
                try {
                    data.readFully(pixels[i]);
                } catch (java.io.EOFException e) {
                    throw new JobFailure(images + " ends at image " + i + " of the " + pixels.length
                            + " its header declares");
                }
            }
        }
        int[] values;
        try (InputStream in = open(labels)) {
            IdxHeader header = header(in, labels);
            if (header.dims().length != 1 || header.count() != pixels.length) {
                throw new JobFailure(labels + ": expected " + pixels.length + " labels (one dimension), got "
                        + header);
            }
            byte[] bytes = in.readNBytes(pixels.length);
            if (bytes.length != pixels.length) {
                throw new JobFailure(labels + " ends at label " + bytes.length + " of " + pixels.length);
            }
            values = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                values[i] = bytes[i] & 0xff;
                if (values[i] >= DIGITS) {
                    throw new JobFailure(labels + ": label " + values[i] + " of image " + i + " is not a digit");
                }
            }
        }
        return new Digits(side, pixels, values);
    }

    /**
     * Draws {@code count} canvases from {@code digits}: the first digit uniformly among all images, the second's
     * class uniformly among the other classes the split has, then an image of that class uniformly.
     */
    public static List<Canvas> draw(Digits digits, int count, long seed) {
        if (digits.side() > CANVAS) {
            throw new JobFailure("MNIST images of " + digits.side() + " x " + digits.side() + " do not fit a "
                    + CANVAS + " x " + CANVAS + " canvas");
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int d = 0; d < DIGITS; d++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < digits.labels().length; i++) {
            byClass.get(digits.labels()[i]).add(i);
        }
        List<Integer> classes = new ArrayList<>();
        for (int d = 0; d < DIGITS; d++) {
            if (!byClass.get(d).isEmpty()) {
                classes.add(d);
            }
        }
        if (classes.size() < 2) {
            throw new JobFailure("MultiMNIST needs digits of at least two classes; the IDX files have "
                    + classes.size());
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Canvas> out = new ArrayList<>(count);
        int margin = (CANVAS - digits.side()) / 2;
        for (int n = 0; n < count; n++) {
            int a = random.nextInt(digits.labels().length);
            int first = digits.labels()[a];
            int pick = random.nextInt(classes.size() - 1);
            int second = classes.get(pick >= classes.indexOf(first) ? pick + 1 : pick);
            List<Integer> of = byClass.get(second);
            int b = of.get(random.nextInt(of.size()));
            byte[] canvas = new byte[CANVAS * CANVAS];
            int[][] at = new int[2][];
            for (int j = 0; j < 2; j++) {
                at[j] = new int[] {margin + random.nextInt(2 * SHIFT + 1) - SHIFT,
                    margin + random.nextInt(2 * SHIFT + 1) - SHIFT};
                paste(canvas, digits.pixels()[j == 0 ? a : b], digits.side(), at[j][0], at[j][1]);
            }
            out.add(new Canvas(canvas, first, second, a, b, at[0], at[1]));
        }
        return out;
    }

    /**
     * Writes {@code train} canvases from {@code mnist}'s training digits and {@code test} from its test digits
     * into {@code output}, which must not exist or be empty.
     */
    public static Written write(Path mnist, Path output, int train, int test, long seed) throws IOException {
        AttributeFolder.refuseUsed(output);
        Digits trainDigits = read(mnist, "train");
        Digits testDigits = read(mnist, "t10k");
        // Two streams from one seed, so that asking for more test canvases leaves the training canvases as they were.
        SplittableRandom seeds = new SplittableRandom(seed);
        List<Canvas> trainCanvases = draw(trainDigits, train, seeds.nextLong());
        List<Canvas> testCanvases = draw(testDigits, test, seeds.nextLong());
        List<String> names = java.util.stream.IntStream.range(0, DIGITS).mapToObj(Integer::toString).toList();
        try (AttributeFolder folder = AttributeFolder.create(output, names, train + test)) {
            writeSplit(folder, DatasetSchema.TRAIN, trainCanvases);
            writeSplit(folder, DatasetSchema.TEST, testCanvases);
        }
        return new Written(train, test);
    }

    private static void writeSplit(AttributeFolder folder, String split, List<Canvas> canvases) throws IOException {
        for (int n = 0; n < canvases.size(); n++) {
            Canvas c = canvases.get(n);
            BufferedImage image = new BufferedImage(CANVAS, CANVAS, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, CANVAS, CANVAS, c.pixels());
            boolean[] present = new boolean[DIGITS];
            present[c.first()] = true;
            present[c.second()] = true;
            folder.add(split, n, image, present);
        }
    }

    /** Pixel-wise max of {@code digit} placed with its top-left corner at (top, left) into {@code canvas}. */
    private static void paste(byte[] canvas, byte[] digit, int side, int top, int left) {
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int at = (top + y) * CANVAS + left + x;
                int v = digit[y * side + x] & 0xff;
                if (v > (canvas[at] & 0xff)) {
                    canvas[at] = (byte) v;
                }
            }
        }
    }

    private static IdxHeader header(InputStream in, Path file) {
        try {
            return IdxHeader.read(in);
        } catch (IOException e) {
            throw new JobFailure(file + " is not an IDX file: " + e.getMessage());
        }
    }

    private static Path find(Path dir, String prefix, String kind, String rank) {
        if (!Files.isDirectory(dir)) {
            throw new JobFailure("--mnist " + dir + " is not a folder (the MNIST IDX files, as from"
                    + " yann.lecun.com/exdb/mnist)");
        }
        for (String name : List.of(prefix + "-" + kind + "-" + rank + "-ubyte", prefix + "-" + kind + "." + rank
                + "-ubyte")) {
            for (String suffix : List.of("", ".gz")) {
                Path file = dir.resolve(name + suffix);
                if (Files.isRegularFile(file)) {
                    return file;
                }
            }
        }
        throw new JobFailure("--mnist " + dir + " has no " + prefix + "-" + kind + "-" + rank + "-ubyte (or .gz)");
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
    }
}
