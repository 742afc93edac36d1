package io.vcaps.images;

import io.vcaps.core.vcn.ImageShape;

import java.awt.color.ColorSpace;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;

/**
 * Converts images to a target {@link ImageShape} as raw uint8, row-major HWC: colour to grey by
 * standard luma, Y = round(0.299 R + 0.587 G + 0.114 B), grey to RGB by copying; transparent pixels
 * composited over black; resizing bilinear (java.awt), halving first while the image is more than
 * twice the target so large images do not alias.
 */
public final class PixelConverter {
    private PixelConverter() {
    }

    /** {@code image} converted to {@code target}. */
    public static byte[] convert(BufferedImage image, ImageShape target) {
        int height = image.getHeight();
        int width = image.getWidth();
        ColorModel model = image.getColorModel();
        boolean grey = model.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        byte[] pixels = model instanceof ComponentColorModel && (grey || model.getColorSpace().isCS_sRGB())
                ? componentPixels(image.getRaster(), model) : rgbPixels(image);
        return convert(pixels, height, width, grey ? 1 : 3, target);
    }

    /** HWC uint8 pixels of {@code height x width x channels} (1 or 3) converted to {@code target}. */
    public static byte[] convert(byte[] pixels, int height, int width, int channels, ImageShape target) {
        if (pixels.length != height * width * channels) {
            throw new IllegalArgumentException(pixels.length + " bytes do not hold " + height + "x" + width + "x"
                    + channels);
        }
        byte[] converted = convertChannels(pixels, height * width, channels, target.channels());
        return resize(converted, height, width, target.channels(), target.height(), target.width());
    }

    /** Samples straight from the raster: grey stays one channel, no colour management on the way. */
    private static byte[] componentPixels(Raster raster, ColorModel model) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        int colours = model.getNumColorComponents();
        int bands = raster.getNumBands();
        int[] samples = raster.getPixels(0, 0, width, height, (int[]) null);
        int[] max = new int[bands];
        for (int b = 0; b < bands; b++) {
            max[b] = (1 << model.getComponentSize(b)) - 1;
        }
        boolean alpha = model.hasAlpha() && !model.isAlphaPremultiplied();
        byte[] out = new byte[width * height * colours];
        for (int p = 0, o = 0; p < samples.length; p += bands) {
            long a = alpha ? samples[p + colours] : 1;
            long aMax = alpha ? max[colours] : 1;
            for (int c = 0; c < colours; c++) {
                long denominator = (long) max[c] * aMax;
                out[o++] = (byte) ((samples[p + c] * a * 255 + denominator / 2) / denominator);
            }
        }
        return out;
    }

    /** sRGB through the image's colour model, for palettes, packed and other colour spaces. */
    private static byte[] rgbPixels(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        byte[] out = new byte[width * height * 3];
        for (int p = 0, o = 0; p < argb.length; p++) {
            int v = argb[p];
            int a = v >>> 24;
            out[o++] = (byte) over(v >> 16 & 0xff, a);
            out[o++] = (byte) over(v >> 8 & 0xff, a);
            out[o++] = (byte) over(v & 0xff, a);
        }
        return out;
    }

    private static int over(int value, int alpha) {
        return alpha == 255 ? value : (value * alpha + 127) / 255;
    }

    private static byte[] convertChannels(byte[] pixels, int count, int from, int to) {
        if (from == to) {
            return pixels;
        }
        byte[] out = new byte[count * to];
        if (from == 1) {
            for (int p = 0; p < count; p++) {
                out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = pixels[p];
            }
        } else {
            for (int p = 0; p < count; p++) {
                out[p] = (byte) luma(pixels[3 * p] & 0xff, pixels[3 * p + 1] & 0xff, pixels[3 * p + 2] & 0xff);
            }
        }
        return out;
    }

    /** Rec. 601 luma, rounded. */
    public static int luma(int r, int g, int b) {
        return (299 * r + 587 * g + 114 * b + 500) / 1000;
    }

    private static byte[] resize(byte[] pixels, int height, int width, int channels, int toHeight, int toWidth) {
        byte[] current = pixels;
        int h = height;
        int w = width;
        while (h != toHeight || w != toWidth) {
            int nextH = h > 2 * toHeight ? (h + 1) / 2 : toHeight;
            int nextW = w > 2 * toWidth ? (w + 1) / 2 : toWidth;
            current = resizeOnce(current, h, w, channels, nextH, nextW);
            h = nextH;
            w = nextW;
        }
        return current;
    }

    private static byte[] resizeOnce(byte[] pixels, int height, int width, int channels, int toHeight, int toWidth) {
        int[] offsets = new int[channels];
        for (int c = 0; c < channels; c++) {
            offsets[c] = c;
        }
        WritableRaster source = Raster.createInterleavedRaster(new DataBufferByte(pixels, pixels.length),
                width, height, width * channels, channels, offsets, null);
        WritableRaster target = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE,
                toWidth, toHeight, toWidth * channels, channels, offsets, null);
        // Rasters, not images: the op then interpolates each band's samples without any colour conversion.
        AffineTransform scale = AffineTransform.getScaleInstance((double) toWidth / width, (double) toHeight / height);
        new AffineTransformOp(scale, AffineTransformOp.TYPE_BILINEAR).filter(source, target);
        return ((DataBufferByte) target.getDataBuffer()).getData();
    }
}
