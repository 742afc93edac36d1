package io.vcaps.jobs.etl;

import io.vcaps.dataset.DatasetSchema;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.TexturePaint;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic colour images with independent binary attributes, to develop and judge multi-label training and set
 * synthesis where CelebA cannot be had: one shape per 64 x 64 RGB image on a background of two random colours in a
 * random gradient. Each attribute is present with probability 1/2, independently of the others and of the
 * background, so any set of them occurs and a sample of a requested set can be checked attribute by attribute:
 *
 * <ul>
 *   <li>{@code round}: a disc, else a square;</li>
 *   <li>{@code warm}: filled with a red-to-yellow hue, else a green-to-blue one;</li>
 *   <li>{@code large}: 30 to 38 pixels across, else 14 to 20;</li>
 *   <li>{@code outlined}: a 3-pixel outline of the opposite lightness, else none;</li>
 *   <li>{@code striped}: diagonal stripes of the fill and a darker shade, else a plain fill;</li>
 *   <li>{@code left}: its centre in the left half, else the right;</li>
 *   <li>{@code top}: its centre in the top half, else the bottom.</li>
 * </ul>
 *
 * Image n of a split depends on (seed, split, n) alone, so the output is the same whatever else is asked for.
 */
final class ColourShapes {
    /** The image side. */
    public static final int SIDE = 64;
    /** The attributes, in the attribute file's order. */
    public static final List<String> ATTRIBUTES = List.of("round", "warm", "large", "outlined", "striped", "left",
            "top");
    private static final int ROUND = 0, WARM = 1, LARGE = 2, OUTLINED = 3, STRIPED = 4, LEFT = 5, TOP = 6;

    private ColourShapes() {
    }

    /** One image, its attributes by {@link #ATTRIBUTES}, and where the shape's centre lies (x, y). */
    public record Drawn(BufferedImage image, boolean[] attributes, double centreX, double centreY, double size) {
    }

    /** Image {@code n} of {@code split} for {@code seed}. */
    public static Drawn draw(long seed, String split, int n) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + split.hashCode() * 31L + n);
        boolean[] on = new boolean[ATTRIBUTES.size()];
        for (int a = 0; a < on.length; a++) {
            on[a] = random.nextBoolean();
        }
        BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint((float) random.nextDouble(SIDE), (float) random.nextDouble(SIDE),
                randomColour(random), (float) random.nextDouble(SIDE), (float) random.nextDouble(SIDE),
                randomColour(random)));
        g.fillRect(0, 0, SIDE, SIDE);

        double size = on[LARGE] ? 30 + 8 * random.nextDouble() : 14 + 6 * random.nextDouble();
        double half = SIDE / 2.0;
        // The centre stays in its half and keeps the whole shape, outline included, on the image.
        double reach = size / 2 + 2;
        double x = on[LEFT] ? reach + random.nextDouble() * Math.max(0, half - 1 - reach)
                : half + 1 + random.nextDouble() * Math.max(0, half - 1 - reach);
        double y = on[TOP] ? reach + random.nextDouble() * Math.max(0, half - 1 - reach)
                : half + 1 + random.nextDouble() * Math.max(0, half - 1 - reach);
        Shape shape = on[ROUND] ? new Ellipse2D.Double(x - size / 2, y - size / 2, size, size)
                : new Rectangle2D.Double(x - size / 2, y - size / 2, size, size);
        float hue = on[WARM] ? (float) (random.nextDouble() * 0.15) : (float) (0.3 + random.nextDouble() * 0.35);
        float brightness = (float) (0.65 + 0.35 * random.nextDouble());
        Color fill = Color.getHSBColor(hue, (float) (0.75 + 0.25 * random.nextDouble()), brightness);
        if (on[STRIPED]) {
            BufferedImage tile = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D t = tile.createGraphics();
            t.setColor(fill);
            t.fillRect(0, 0, 8, 8);
            t.setColor(fill.darker().darker());
            for (int i = -8; i < 8; i += 4) {
                t.fillPolygon(new int[] {i, i + 2, i + 10, i + 8}, new int[] {0, 0, 8, 8}, 4);
            }
            t.dispose();
            g.setPaint(new TexturePaint(tile, new Rectangle2D.Double(0, 0, 8, 8)));
        } else {
            g.setPaint(fill);
        }
        g.fill(shape);
        if (on[OUTLINED]) {
            g.setColor(brightness > 0.8 ? Color.BLACK : Color.WHITE);
            g.setStroke(new BasicStroke(3f));
            g.draw(shape);
        }
        g.dispose();
        return new Drawn(image, on, x, y, size);
    }

    /** Writes {@code train} and {@code test} images into {@code output}, which must not exist or be empty. */
    public static void write(Path output, int train, int test, long seed) throws IOException {
        AttributeFolder.refuseUsed(output);
        try (AttributeFolder folder = AttributeFolder.create(output, ATTRIBUTES, train + test)) {
            for (int n = 0; n < train + test; n++) {
                String split = n < train ? DatasetSchema.TRAIN : DatasetSchema.TEST;
                int index = n < train ? n : n - train;
                Drawn d = draw(seed, split, index);
                folder.add(split, index, d.image(), d.attributes());
            }
        }
    }

    /** A muted background colour: any hue, never as saturated as the shapes' fills. */
    private static Color randomColour(SplittableRandom random) {
        return Color.getHSBColor((float) random.nextDouble(), (float) (0.6 * random.nextDouble()),
                (float) (0.15 + 0.8 * random.nextDouble()));
    }
}
