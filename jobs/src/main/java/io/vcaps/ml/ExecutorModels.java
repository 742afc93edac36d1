package io.vcaps.ml;

import io.vcaps.core.vcn.VcnModel;
import org.apache.spark.broadcast.Broadcast;

/**
 * The model each Spark task thread uses. A {@code MultiLayerNetwork} is not thread-safe, so every executor thread
 * reads its own model from the broadcast bundle bytes, once, and keeps it for later tasks of the same bundle
 * (Spark reuses task threads). A thread holds one model at a time.
 */
public final class ExecutorModels {
    private static final ThreadLocal<Cached> CACHE = new ThreadLocal<>();

    private record Cached(String id, VcnModel model) {
    }

    private ExecutorModels() {
    }

    /** This thread's model of the bundle with id {@code id}, read from {@code bytes} the first time. */
    public static VcnModel get(String id, Broadcast<byte[]> bytes) {
        Cached cached = CACHE.get();
        if (cached == null || !cached.id().equals(id)) {
            CACHE.remove();
            cached = new Cached(id, Bundle.read(bytes.value(), "bundle " + id));
            CACHE.set(cached);
        }
        return cached.model();
    }
}
