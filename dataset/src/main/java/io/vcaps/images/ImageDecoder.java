package io.vcaps.images;

import io.vcaps.dataset.RejectReason;
import io.vcaps.dataset.RejectedException;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image files (any format an ImageIO reader recognises: PNG, JPEG, BMP, GIF, ...) with a
 * limit on pixels: the dimensions in the header are checked before the bitmap is allocated, so a
 * file that claims 100000x100000 costs nothing ({@link ImageLimits#DEFAULT_MAX_PIXELS} unless told). Every
 * failure is a {@link RejectedException}.
 */
public final class ImageDecoder {
    private final long maxPixels;

    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("the pixel limit must be positive, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
    }

    /** The first image in {@code bytes}. */
    public BufferedImage decode(byte[] bytes) throws RejectedException {
        if (bytes.length == 0) {
            throw new RejectedException(RejectReason.EMPTY_FILE, "the file is empty (0 bytes)");
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new RejectedException(RejectReason.NOT_AN_IMAGE,
                        "no image reader recognises the content (" + bytes.length + " bytes starting "
                                + hexStart(bytes) + ")");
            }
            ImageReader reader = readers.next();
            try {
                return read(reader, in);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw classify(e, "image");
        }
    }

    private BufferedImage read(ImageReader reader, ImageInputStream in) throws RejectedException {
        String format = formatName(reader);
        List<String> warnings = new ArrayList<>();
        try {
            reader.setInput(in, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (width < 1 || height < 1) {
                throw new RejectedException(RejectReason.UNDECODABLE, format + " header gives an empty size " + width
                        + "x" + height);
            }
            if ((long) width * height > maxPixels) {
                throw new RejectedException(RejectReason.TOO_MANY_PIXELS, format + " header claims " + width + "x"
                        + height + " = "
                        + (long) width * height + " pixels, over the limit of " + maxPixels);
            }
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image = reader.read(0);
            for (String warning : warnings) {
                // The JPEG reader does not fail on a cut-off file: it warns and fills the rest with grey.
                if (looksTruncated(warning)) {
                    throw new RejectedException(RejectReason.TRUNCATED_IMAGE, format + " data ends early: " + warning);
                }
            }
            return image;
        } catch (IOException | RuntimeException e) {
            // Malformed files make some ImageIO readers throw unchecked exceptions too.
            throw classify(e, format);
        }
    }

    private static String formatName(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            return "image";
        }
    }

    private static RejectedException classify(Exception e, String format) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException || (t.getMessage() != null && looksTruncated(t.getMessage()))) {
                return new RejectedException(RejectReason.TRUNCATED_IMAGE, format + " data ends early: " + describe(t));
            }
        }
        Throwable innermost = e;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        String detail = innermost == e ? describe(e) : describe(e) + " (" + describe(innermost) + ")";
        return new RejectedException(RejectReason.UNDECODABLE, format + " cannot be decoded: " + detail);
    }

    private static boolean looksTruncated(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("premature end") || m.contains("unexpected end") || m.contains("end of file")
                || m.contains("eof");
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": "
                + t.getMessage();
    }

    private static String hexStart(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            hex.append(String.format("%02x", bytes[i] & 0xff));
        }
        return hex.toString();
    }
}
