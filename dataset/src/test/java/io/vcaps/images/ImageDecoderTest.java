package io.vcaps.images;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.RejectReason;
import io.vcaps.dataset.RejectedException;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding real encoded files and converting them to target shapes, pixel by pixel. */
class ImageDecoderTest {
    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT_MAX_PIXELS);

    private byte[] decodeTo(byte[] file, ImageShape shape) throws RejectedException {
        return PixelConverter.convert(decoder.decode(file), shape);
    }

    @Test
    void greyPngKeepsEveryValue() throws Exception {
        byte[] png = ImageFixtures.encode(ImageFixtures.grey(5, 3, 100), "png");
        int[] pixels = ImageFixtures.unsigned(decodeTo(png, new ImageShape(3, 5, 1)));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                assertEquals(ImageFixtures.greyValue(100, x, y), pixels[y * 5 + x], "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void colourBecomesGreyByLumaAndStaysRgbInHwcOrder() throws Exception {
        BufferedImage image = new BufferedImage(5, 1, BufferedImage.TYPE_INT_RGB);
        int[] colours = {0xff0000, 0x00ff00, 0x0000ff, 0xffffff, 0x0a141e};
        for (int x = 0; x < colours.length; x++) {
            image.setRGB(x, 0, colours[x]);
        }
        byte[] png = ImageFixtures.encode(image, "png");
        // 0.299 R + 0.587 G + 0.114 B, rounded: red 76.2, green 149.7, blue 29.1, white 255, (10,20,30) 18.2.
        assertArrayEquals(new int[] {76, 150, 29, 255, 18},
                ImageFixtures.unsigned(decodeTo(png, new ImageShape(1, 5, 1))));
        assertArrayEquals(new int[] {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30},
                ImageFixtures.unsigned(decodeTo(png, new ImageShape(1, 5, 3))));
    }

    @Test
    void greyBecomesRgbByCopying() throws Exception {
        byte[] png = ImageFixtures.encode(ImageFixtures.grey(2, 1, 40), "png");
        assertArrayEquals(new int[] {40, 40, 40, 56, 56, 56},
                ImageFixtures.unsigned(decodeTo(png, new ImageShape(1, 2, 3))));
    }

    /**
     * The documented rule: output pixel centres mapped onto the source, bilinear between the four nearest source
     * pixels, edges held. The rounding is java.awt's (the documented implementation), not a rule of ours: it
     * interpolates in fixed point from a floating-point inverse mapping, so 213.75 comes back as 213, 138.75 as 139,
     * and a centre that should fall exactly on source pixel 2 (value 18) lands a hair before it and gives 17. The
     * expected values are the exact ones, with that one level of freedom and no more.
     */
    @Test
    void resizeIsBilinearWithEdgesClamped() {
        byte[] twoByTwo = {0, 100, (byte) 200, (byte) 255};
        assertBilinear(twoByTwo, 2, 2, 4, 4);
        assertBilinear(twoByTwo, 2, 2, 1, 1);
        byte[] ramp = new byte[3 * 5];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (byte) (i * i + 7 * i);
        }
        assertBilinear(ramp, 3, 5, 4, 7);
        assertBilinear(ramp, 3, 5, 2, 3);
        // Where the mapping and the weights are exact in binary, so is java.awt.
        int[] up = ImageFixtures.unsigned(PixelConverter.convert(twoByTwo, 2, 2, 1, new ImageShape(4, 4, 1)));
        assertArrayEquals(new int[] {0, 25, 75, 100}, java.util.Arrays.copyOfRange(up, 0, 4));
    }

    private static void assertBilinear(byte[] source, int height, int width, int toHeight, int toWidth) {
        int[] actual = ImageFixtures.unsigned(PixelConverter.convert(source, height, width, 1,
                new ImageShape(toHeight, toWidth, 1)));
        for (int y = 0; y < toHeight; y++) {
            for (int x = 0; x < toWidth; x++) {
                double exact = bilinear(source, height, width, (y + 0.5) * height / toHeight - 0.5,
                        (x + 0.5) * width / toWidth - 0.5);
                int got = actual[y * toWidth + x];
                assertTrue(Math.abs(got - exact) <= 1, height + "x" + width + " to "
                        + toHeight + "x" + toWidth + ", pixel " + x + "," + y + ": " + got + ", the rule gives "
                        + exact);
            }
        }
    }

    /** The source sampled at ({@code sy}, {@code sx}) in pixel-centre coordinates, coordinates held to the edges. */
    private static double bilinear(byte[] source, int height, int width, double sy, double sx) {
        double y = Math.min(Math.max(sy, 0), height - 1);
        double x = Math.min(Math.max(sx, 0), width - 1);
        int y0 = (int) Math.floor(y);
        int x0 = (int) Math.floor(x);
        int y1 = Math.min(y0 + 1, height - 1);
        int x1 = Math.min(x0 + 1, width - 1);
        double fy = y - y0;
        double fx = x - x0;
        double top = (1 - fx) * (source[y0 * width + x0] & 0xff) + fx * (source[y0 * width + x1] & 0xff);
        double bottom = (1 - fx) * (source[y1 * width + x0] & 0xff) + fx * (source[y1 * width + x1] & 0xff);
        return (1 - fy) * top + fy * bottom;
    }

    @Test
    void largeImagesShrinkWithoutLosingAFlatColour() throws Exception {
        byte[] jpeg = ImageFixtures.encode(ImageFixtures.solid(178, 218, 0x3c78b4), "jpg");
        int[] pixels = ImageFixtures.unsigned(decodeTo(jpeg, new ImageShape(28, 28, 3)));
        assertEquals(28 * 28 * 3, pixels.length);
        for (int p = 0; p < pixels.length; p += 3) {
            // JPEG is lossy: a flat colour comes back within a few levels.
            assertTrue(Math.abs(pixels[p] - 0x3c) <= 3 && Math.abs(pixels[p + 1] - 0x78) <= 3
                    && Math.abs(pixels[p + 2] - 0xb4) <= 3,
                    "pixel " + p / 3 + " is " + pixels[p] + "," + pixels[p + 1] + "," + pixels[p + 2]);
        }
    }

    @Test
    void transparencyIsCompositedOverBlack() throws Exception {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x80ffffff);
        image.setRGB(1, 0, 0x00ffffff);
        byte[] png = ImageFixtures.encode(image, "png");
        assertArrayEquals(new int[] {128, 128, 128, 0, 0, 0},
                ImageFixtures.unsigned(decodeTo(png, new ImageShape(1, 2, 3))));
    }

    @Test
    void sixteenBitGreyIsScaledToEightBits() throws Exception {
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        image.getRaster().setPixels(0, 0, 3, 1, new int[] {0, 32896, 65535});
        assertArrayEquals(new int[] {0, 128, 255},
                ImageFixtures.unsigned(decodeTo(ImageFixtures.encode(image, "png"), new ImageShape(1, 3, 1))));
    }

    @Test
    void bmpAndGifDecode() throws Exception {
        BufferedImage red = ImageFixtures.solid(4, 4, 0xff0000);
        assertEquals(76, decodeTo(ImageFixtures.encode(red, "bmp"), new ImageShape(4, 4, 1))[5] & 0xff);
        assertEquals(76, decodeTo(ImageFixtures.encode(red, "gif"), new ImageShape(4, 4, 1))[5] & 0xff);
    }

    private RejectReason rejectOf(byte[] file) {
        return assertThrows(RejectedException.class, () -> decoder.decode(file)).reason();
    }

    @Test
    void badFilesAreRejectedWithTheirReason() throws Exception {
        assertEquals(RejectReason.EMPTY_FILE, rejectOf(new byte[0]));
        assertEquals(RejectReason.NOT_AN_IMAGE, rejectOf("this is a text file, not a PNG\n".getBytes()));
        assertEquals(RejectReason.TRUNCATED_IMAGE, rejectOf(ImageFixtures.truncatedPng()));
        byte[] jpeg = ImageFixtures.encode(ImageFixtures.grey(64, 64, 3), "jpg");
        assertEquals(RejectReason.TRUNCATED_IMAGE, rejectOf(java.util.Arrays.copyOf(jpeg, jpeg.length * 2 / 3)));
        byte[] garbled = ImageFixtures.encode(ImageFixtures.grey(64, 64, 3), "png");
        for (int i = 60; i < garbled.length - 20; i++) {
            garbled[i] = (byte) (i * 31);
        }
        assertEquals(RejectReason.UNDECODABLE, rejectOf(garbled));
    }

    @Test
    void hugeHeaderIsRejectedBeforeTheBitmapIsAllocated() throws Exception {
        byte[] bomb = ImageFixtures.pngClaiming(100_000, 100_000);
        // 10^10 pixels would need 10 GB; the check must fail fast on the header alone.
        RejectedException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(RejectedException.class, () -> decoder.decode(bomb)));
        assertEquals(RejectReason.TOO_MANY_PIXELS, e.reason());
        assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
        assertEquals(RejectReason.TOO_MANY_PIXELS, assertThrows(RejectedException.class,
                () -> new ImageDecoder(99).decode(ImageFixtures.encode(ImageFixtures.grey(10, 10, 0), "png")))
                .reason());
    }
}
