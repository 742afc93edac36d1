package io.vcaps.core.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vcaps.core.vcn.EntityNames;
import io.vcaps.core.vcn.ImageShape;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * What a bundle may hold before a byte of it is trusted: bundles are files from elsewhere, so a zip bomb, an absurd
 * shape or a hostile entity name must be refused in bounded memory and time, not discovered by running out of
 * either. The limits (docs/OPERATIONS.md, "Reading model bundles"):
 * <ul>
 *   <li>at most {@link #MAX_ENTRIES} entries in a zip (the bundle and each network inside it), no name twice;</li>
 *   <li>a zip inflates to at most {@link #SLACK_BYTES} plus {@link #MAX_RATIO} times its compressed bytes, and to
 *       at most {@code vcaps.bundle.max-bytes} (system property, default {@link #DEFAULT_MAX_BYTES}) in all;</li>
 *   <li>images of at most {@link #MAX_SIDE} pixels a side and {@link #MAX_CHANNELS} channels; entity names
 *       as {@link EntityNames} has them (the rule the ETL, training and bundle writing apply too).</li>
 * </ul>
 */
public final class BundleLimits {

    public static final int MAX_ENTRIES = 64;
    /** Stored coefficients keep a real bundle near 1:1; a fresh optimiser state of zeros is what compresses. */
    public static final long MAX_RATIO = 64;
    public static final long SLACK_BYTES = 16L << 20;
    public static final long DEFAULT_MAX_BYTES = Integer.MAX_VALUE - 64;
    public static final int MAX_SIDE = 4096;
    public static final int MAX_CHANNELS = 4;
    public static final int MAX_ENTITIES = EntityNames.MAX_ENTITIES;
    public static final int MAX_NAME_LENGTH = EntityNames.MAX_NAME_LENGTH;

    private static final int CHUNK = 64 << 10;
    /** The fixed part of a zip's end-of-central-directory record. */
    private static final int END_RECORD = 22;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TRUSTED_CLASS = Pattern.compile(
            "(org\\.deeplearning4j|org\\.nd4j|io\\.vcaps)\\.[\\w.$]+");

    private BundleLimits() {
    }

    /** The most a zip may inflate to in all, from {@code vcaps.bundle.max-bytes}. */
    public static long maxBytes() {
        return Long.getLong("vcaps.bundle.max-bytes", DEFAULT_MAX_BYTES);
    }

    /**
     * The entries of a zip, by name, read within the limits; an {@link IOException} says which one was passed. The
     * zip is read whole first (it is held in memory anyway), so that a cut anywhere, even in the central directory
     * alone, is seen: the end record's entry count must be the number of entries found.
     */
    static Map<String, byte[]> entries(InputStream in) throws IOException {
        byte[] all = in.readNBytes((int) Math.min(maxBytes(), Integer.MAX_VALUE - 64) + 1);
        if (all.length > maxBytes()) {
            throw new IOException("larger than vcaps.bundle.max-bytes (" + maxBytes() + " bytes)");
        }
        Map<String, byte[]> entries = new HashMap<>();
        long allowed = Math.min(maxBytes(), SLACK_BYTES + MAX_RATIO * all.length);
        long total = 0;
        byte[] chunk = new byte[CHUNK];
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(all))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                if (entries.size() == MAX_ENTRIES) {
                    throw new IOException("more than " + MAX_ENTRIES + " zip entries");
                }
                if (entries.containsKey(entry.getName())) {
                    throw new IOException("zip entry " + printable(entry.getName()) + " appears twice");
                }
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                for (int n = zip.read(chunk); n >= 0; n = zip.read(chunk)) {
                    total += n;
                    if (total > allowed) {
                        throw new IOException("zip entry " + printable(entry.getName()) + " inflates past "
                                + allowed + " bytes from " + all.length + ": a decompression bomb, or a bundle"
                                + " larger than vcaps.bundle.max-bytes");
                    }
                    bytes.write(chunk, 0, n);
                }
                entries.put(entry.getName(), bytes.toByteArray());
            }
        } catch (ZipException | EOFException e) {
            throw new IOException("broken zip (" + e.getMessage() + "): truncated or corrupt", e);
        }
        if (!entries.isEmpty()) {
            int declared = declaredEntries(all);
            if (declared != entries.size()) {
                throw new IOException("truncated or corrupt zip: " + entries.size() + " entries found, but its end"
                        + " record " + (declared < 0 ? "is missing" : "declares " + declared));
            }
        }
        return entries;
    }

    /** The entry count of the zip's end-of-central-directory record, or -1 when there is none. */
    private static int declaredEntries(byte[] zip) {
        int earliest = Math.max(0, zip.length - END_RECORD - 0xFFFF);
        for (int i = zip.length - END_RECORD; i >= earliest; i--) {
            if (zip[i] == 0x50 && zip[i + 1] == 0x4b && zip[i + 2] == 0x05 && zip[i + 3] == 0x06) {
                return (zip[i + 10] & 0xFF) | (zip[i + 11] & 0xFF) << 8;
            }
        }
        return -1;
    }

    /**
     * Refuses a network configuration naming a class outside DL4J, ND4J and vcaps: DL4J's JSON names the class of
     * each layer, activation and updater, and Jackson instantiates what it names.
     */
    static void checkClasses(String configurationJson) throws IOException {
        List<JsonNode> pending = new ArrayList<>(List.of(JSON.readTree(configurationJson)));
        while (!pending.isEmpty()) {
            JsonNode node = pending.remove(pending.size() - 1);
            JsonNode named = node.get("@class");
            if (named != null && named.isTextual() && !TRUSTED_CLASS.matcher(named.asText()).matches()) {
                throw new IOException("network configuration names class " + printable(named.asText())
                        + ", outside DL4J, ND4J and vcaps");
            }
            node.forEach(pending::add);
        }
    }

    /** The declared image shape, refused unless every side and the channels are within the limits. */
    static ImageShape shape(int height, int width, int channels) throws IOException {
        if (height < 1 || height > MAX_SIDE || width < 1 || width > MAX_SIDE || channels < 1
                || channels > MAX_CHANNELS) {
            throw new IOException("declares images of " + height + "x" + width + "x" + channels + ": sides must be"
                    + " 1 to " + MAX_SIDE + " pixels and channels 1 to " + MAX_CHANNELS);
        }
        return new ImageShape(height, width, channels);
    }

    /** Refuses an entity list no job could name files or rows by ({@link EntityNames}, the one rule). */
    static void checkEntities(List<String> names) throws IOException {
        String problem = EntityNames.problem(names, "entity");
        if (problem != null) {
            throw new IOException(names.isEmpty() || names.size() > MAX_ENTITIES ? "declares " + problem : problem);
        }
    }

    /** {@code text} quoted with control characters escaped and cut short, fit for a one-line error. */
    static String printable(String text) {
        return EntityNames.printable(text);
    }
}
