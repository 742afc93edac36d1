package io.vcaps.etl;

import io.vcaps.dataset.DatasetSchema;

/**
 * One rejected input, as written to {@code _rejects} (see {@link DatasetSchema#REJECTS}).
 *
 * @param path what was rejected: a file URI, {@code <idx file>#<record>}, or {@code <attribute file>:<line>}
 * @param detail a sentence saying what was wrong
 */
public record Reject(String path, String stage, String reason, String detail) implements Outcome {
    public static Reject of(RejectReason reason, String path, String detail) {
        return new Reject(path, reason.stage().key(), reason.code(), detail);
    }
}
