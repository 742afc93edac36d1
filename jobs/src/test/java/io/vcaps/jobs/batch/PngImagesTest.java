package io.vcaps.jobs.batch;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The PNGs vcaps writes decode, with the JDK's own reader, to exactly the pixels they were given. */
class PngImagesTest {

    private static BufferedImage decode(byte[] png) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    @Test
    void greyImageDecodesToItsPixels() throws IOException {
        byte[] pixels = new byte[5 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 13);
        }
        BufferedImage image = decode(PngImages.image(pixels, 5, 4, 1));
        assertEquals(4, image.getWidth());
        assertEquals(5, image.getHeight());
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 4; x++) {
                assertEquals(pixels[y * 4 + x] & 0xFF, image.getRaster().getSample(x, y, 0), "pixel " + x + "," + y);
            }
        }
    }

    /** One thread's zlib stream is reused from image to image: nothing of one image may reach the next. */
    @Test
    void imagesInARowOnOneThreadEncodeAsEachAlone() throws IOException {
        byte[] first = new byte[28 * 28];
        byte[] second = new byte[28 * 28];
        for (int i = 0; i < first.length; i++) {
            first[i] = (byte) (i * 7);
            second[i] = (byte) (255 - i % 251);
        }
        byte[] alone = PngImages.image(first, 28, 28, 1);
        PngImages.image(second, 28, 28, 1);
        byte[] again = PngImages.image(first, 28, 28, 1);
        assertArrayEquals(alone, again);
        BufferedImage image = decode(PngImages.image(second, 28, 28, 1));
        for (int i = 0; i < second.length; i++) {
            assertEquals(second[i] & 0xFF, image.getRaster().getSample(i % 28, i / 28, 0), "pixel " + i);
        }
    }

    @Test
    void rgbImageKeepsItsChannelOrder() throws IOException {
        byte[] pixels = {(byte) 255, 0, 0, 0, (byte) 200, 0, 0, 0, 100, 10, 20, 30, 40, 50, 60, 70, 80, 90};
        BufferedImage image = decode(PngImages.image(pixels, 2, 3, 3));
        for (int i = 0; i < 6; i++) {
            int rgb = image.getRGB(i % 3, i / 3);
            int expected = (pixels[3 * i] & 0xFF) << 16 | (pixels[3 * i + 1] & 0xFF) << 8 | pixels[3 * i + 2] & 0xFF;
            assertEquals(expected, rgb & 0xFFFFFF, "pixel " + i);
        }
    }

    @Test
    void gridScalesCellsAndLeavesEmptyOnesBackground() throws IOException {
        byte[] white = new byte[4];
        Arrays.fill(white, (byte) 255);
        byte[] black = new byte[4];
        BufferedImage grid = decode(PngImages.grid(Arrays.asList(white, null, black), 2, 2, 2, 1, 3));
        // 2 columns of 2x2 images scaled by 3, with 2-pixel gaps: 2 + 2 * (6 + 2) wide, two rows as high.
        assertEquals(18, grid.getWidth());
        assertEquals(18, grid.getHeight());
        assertEquals(255, grid.getRaster().getSample(2, 2, 0));
        assertEquals(255, grid.getRaster().getSample(7, 7, 0));
        assertEquals(0xB0, grid.getRaster().getSample(11, 3, 0), "the empty cell");
        assertEquals(0, grid.getRaster().getSample(3, 12, 0));
        assertEquals(0xB0, grid.getRaster().getSample(0, 0, 0), "the border");
    }

    @Test
    void wrongSizesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PngImages.image(new byte[5], 2, 2, 1));
        assertEquals("5 bytes are not a 2x2x1 image", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PngImages.grid(List.of(new byte[8]), 1, 2, 2, 2, 1));
    }
}
