package io.vcaps.dataset;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The deterministic train/test split by id: an image is in {@code test} when the bucket of its id,
 * the first 8 bytes of SHA-256(UTF-8 id) as an unsigned big-endian number mod 10000, is below
 * {@code round(testFraction * 10000)}. The same id always lands in the same split, whatever else is
 * in the dataset.
 */
public final class Splits {
    public static final int BUCKETS = 10_000;
    /** The share of ids in {@code test} unless told otherwise: {@code vcaps etl}'s and {@code VcapsClassifier}'s. */
    public static final double DEFAULT_TEST_FRACTION = 0.1;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    });

    private Splits() {
    }

    /** The bucket of {@code id}, in [0, 10000). */
    public static int bucket(String id) {
        byte[] digest = SHA256.get().digest(id.getBytes(StandardCharsets.UTF_8));
        long high = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (digest[i] & 0xff);
        }
        return (int) Long.remainderUnsigned(high, BUCKETS);
    }

    /** {@code test} or {@code train} for {@code id}. */
    public static String byHash(String id, double testFraction) {
        return bucket(id) < Math.round(testFraction * BUCKETS) ? DatasetSchema.TEST : DatasetSchema.TRAIN;
    }
}
