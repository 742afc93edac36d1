package io.vcaps.ml;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.RejectedException;
import io.vcaps.images.ImageDecoder;
import io.vcaps.images.PixelConverter;
import org.apache.spark.sql.Row;

import java.awt.image.BufferedImage;

/**
 * The three kinds of image a user's table holds, converted to a model's shape as raw uint8 HWC, the way
 * {@code vcaps etl} converts them ({@link PixelConverter}: luma for colour to grey, copies for grey to RGB, bilinear
 * resizing, transparency composited over black): vcaps pixels with their shape, Spark's image struct (BGR or BGRA
 * as {@code spark.read.format("image")} writes it), and encoded image files (the ETL's {@link ImageDecoder}, with
 * its pixel limit).
 */
final class ImageConversion {
    private ImageConversion() {
    }

    /** vcaps pixels of {@code height x width x channels} (1 or 3). */
    static byte[] fromPixels(byte[] pixels, int height, int width, int channels, ImageShape target)
            throws InvalidImage {
        if (height == target.height() && width == target.width() && channels == target.channels()) {
            if (pixels.length != target.pixels()) {
                throw new InvalidImage("bad_pixels", "has " + pixels.length + " bytes of pixels; the model reads "
                        + target + " = " + target.pixels());
            }
            return pixels;
        }
        if (height < 1 || width < 1 || (channels != 1 && channels != 3)) {
            throw new InvalidImage("bad_shape", "has shape " + height + "x" + width + "x" + channels
                    + " (HxWxC); vcaps pixels have 1 or 3 channels and positive sides");
        }
        if (pixels.length != (long) height * width * channels) {
            throw new InvalidImage("bad_pixels", "has " + pixels.length + " bytes of pixels, not the "
                    + height + "x" + width + "x" + channels + " = " + (long) height * width * channels
                    + " of its shape columns");
        }
        return PixelConverter.convert(pixels, height, width, channels, target);
    }

    /** Spark's image struct (origin, height, width, nChannels, mode, data), by field name. */
    static byte[] fromSparkImage(Row image, ImageShape target) throws InvalidImage {
        int height = image.getInt(image.fieldIndex("height"));
        int width = image.getInt(image.fieldIndex("width"));
        int channels = image.getInt(image.fieldIndex("nChannels"));
        byte[] data = (byte[]) image.get(image.fieldIndex("data"));
        if (height < 1 || width < 1 || data == null || data.length == 0) {
            // What Spark's image source gives a file it could not decode (dropInvalid=false).
            throw new InvalidImage("undecodable", "could not be decoded by Spark's image source");
        }
        if (channels != 1 && channels != 3 && channels != 4) {
            throw new InvalidImage("bad_shape", "has " + channels + " channels; Spark's images have 1, 3 or 4");
        }
        if (data.length != (long) height * width * channels) {
            throw new InvalidImage("bad_pixels", "has " + data.length + " bytes of data, not " + height + "x"
                    + width + "x" + channels);
        }
        if (channels == 1) {
            return PixelConverter.convert(data, height, width, 1, target);
        }
        int count = height * width;
        byte[] rgb = new byte[count * 3];
        for (int p = 0; p < count; p++) {
            int b = data[channels * p] & 0xff;
            int g = data[channels * p + 1] & 0xff;
            int r = data[channels * p + 2] & 0xff;
            if (channels == 4) {
                int a = data[4 * p + 3] & 0xff;
                r = over(r, a);
                g = over(g, a);
                b = over(b, a);
            }
            rgb[3 * p] = (byte) r;
            rgb[3 * p + 1] = (byte) g;
            rgb[3 * p + 2] = (byte) b;
        }
        return PixelConverter.convert(rgb, height, width, 3, target);
    }

    /** Over black, rounded as the ETL rounds 8-bit samples with alpha. */
    private static int over(int value, int alpha) {
        return (int) (((long) value * alpha * 255 + 255 * 255 / 2) / (255 * 255));
    }

    /** An encoded image file (PNG, JPEG, ... : whatever ImageIO reads). */
    static byte[] fromEncoded(byte[] content, ImageDecoder decoder, long maxBytes, ImageShape target)
            throws InvalidImage {
        if (content.length > maxBytes) {
            throw new InvalidImage("file_too_large", "has " + content.length + " bytes, over the limit of "
                    + maxBytes);
        }
        try {
            BufferedImage image = decoder.decode(content);
            return PixelConverter.convert(image, target);
        } catch (RejectedException e) {
            throw new InvalidImage(e.reason().code(), "cannot be decoded: " + e.getMessage());
        }
    }
}
