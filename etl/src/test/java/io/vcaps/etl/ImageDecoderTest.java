package io.vcaps.etl;

import io.vcaps.core.vcn.ImageShape;
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
    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    private byte[] decodeTo(byte[] file, ImageShape shape) throws RejectedException {
        return PixelConverter.convert(decoder.decode(file), shape);
    }

    @Test
    void greyPngKeepsEveryValue() throws Exception {
        byte[] png = Fixtures.encode(Fixtures.grey(5, 3, 100), "png");
        int[] pixels = Fixtures.unsigned(decodeTo(png, new ImageShape(3, 5, 1)));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                assertEquals(Fixtures.greyValue(100, x, y), pixels[y * 5 + x], "pixel " + x + "," + y);
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
        byte[] png = Fixtures.encode(image, "png");
        // 0.299 R + 0.587 G + 0.114 B, rounded: red 76.2, green 149.7, blue 29.1, white 255, (10,20,30) 18.2.
        assertArrayEquals(new int[] {76, 150, 29, 255, 18}, Fixtures.unsigned(decodeTo(png, new ImageShape(1, 5, 1))));
        assertArrayEquals(new int[] {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30},
                Fixtures.unsigned(decodeTo(png, new ImageShape(1, 5, 3))));
    }

    @Test
    void greyBecomesRgbByCopying() throws Exception {
        byte[] png = Fixtures.encode(Fixtures.grey(2, 1, 40), "png");
        assertArrayEquals(new int[] {40, 40, 40, 56, 56, 56},
                Fixtures.unsigned(decodeTo(png, new ImageShape(1, 2, 3))));
    }

    @Test
    void resizeIsBilinearWithEdgesClamped() {
        byte[] twoByTwo = {0, 100, (byte) 200, (byte) 255};
        int[] up = Fixtures.unsigned(PixelConverter.convert(twoByTwo, 2, 2, 1, new ImageShape(4, 4, 1)));
        // Output pixel centres map to source x = -0.25, 0.25, 0.75, 1.25; outside [0, 1] the edge is held.
        assertArrayEquals(new int[] {0, 25, 75, 100}, java.util.Arrays.copyOfRange(up, 0, 4));
        assertArrayEquals(new int[] {200, 213, 241, 255}, java.util.Arrays.copyOfRange(up, 12, 16));
        assertArrayEquals(new int[] {139},
                Fixtures.unsigned(PixelConverter.convert(twoByTwo, 2, 2, 1, new ImageShape(1, 1, 1))));
    }

    @Test
    void largeImagesShrinkWithoutLosingAFlatColour() throws Exception {
        byte[] jpeg = Fixtures.encode(Fixtures.solid(178, 218, 0x3c78b4), "jpg");
        int[] pixels = Fixtures.unsigned(decodeTo(jpeg, new ImageShape(28, 28, 3)));
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
        byte[] png = Fixtures.encode(image, "png");
        assertArrayEquals(new int[] {128, 128, 128, 0, 0, 0},
                Fixtures.unsigned(decodeTo(png, new ImageShape(1, 2, 3))));
    }

    @Test
    void sixteenBitGreyIsScaledToEightBits() throws Exception {
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        image.getRaster().setPixels(0, 0, 3, 1, new int[] {0, 32896, 65535});
        assertArrayEquals(new int[] {0, 128, 255},
                Fixtures.unsigned(decodeTo(Fixtures.encode(image, "png"), new ImageShape(1, 3, 1))));
    }

    @Test
    void bmpAndGifDecode() throws Exception {
        BufferedImage red = Fixtures.solid(4, 4, 0xff0000);
        assertEquals(76, decodeTo(Fixtures.encode(red, "bmp"), new ImageShape(4, 4, 1))[5] & 0xff);
        assertEquals(76, decodeTo(Fixtures.encode(red, "gif"), new ImageShape(4, 4, 1))[5] & 0xff);
    }

    private RejectReason rejectOf(byte[] file) {
        return assertThrows(RejectedException.class, () -> decoder.decode(file)).reason();
    }

    @Test
    void badFilesAreRejectedWithTheirReason() throws Exception {
        assertEquals(RejectReason.EMPTY_FILE, rejectOf(new byte[0]));
        assertEquals(RejectReason.NOT_AN_IMAGE, rejectOf("this is a text file, not a PNG\n".getBytes()));
        assertEquals(RejectReason.TRUNCATED_IMAGE, rejectOf(Fixtures.truncatedPng()));
        byte[] jpeg = Fixtures.encode(Fixtures.grey(64, 64, 3), "jpg");
        assertEquals(RejectReason.TRUNCATED_IMAGE, rejectOf(java.util.Arrays.copyOf(jpeg, jpeg.length * 2 / 3)));
        byte[] garbled = Fixtures.encode(Fixtures.grey(64, 64, 3), "png");
        for (int i = 60; i < garbled.length - 20; i++) {
            garbled[i] = (byte) (i * 31);
        }
        assertEquals(RejectReason.UNDECODABLE, rejectOf(garbled));
    }

    @Test
    void hugeHeaderIsRejectedBeforeTheBitmapIsAllocated() throws Exception {
        byte[] bomb = Fixtures.pngClaiming(100_000, 100_000);
        // 10^10 pixels would need 10 GB; the check must fail fast on the header alone.
        RejectedException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(RejectedException.class, () -> decoder.decode(bomb)));
        assertEquals(RejectReason.TOO_MANY_PIXELS, e.reason());
        assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
        assertEquals(RejectReason.TOO_MANY_PIXELS, assertThrows(RejectedException.class,
                () -> new ImageDecoder(99).decode(Fixtures.encode(Fixtures.grey(10, 10, 0), "png"))).reason());
    }
}
