package io.vcaps.jobs.etl;

import io.vcaps.dataset.DatasetSchema;
import io.vcaps.dataset.RejectReason;
import io.vcaps.dataset.RejectedException;

/**
 * One rejected input, as written to {@code _rejects} (see {@link DatasetSchema#REJECTS}).
 *
 * @param path what was rejected: a file URI, {@code <idx file>#<record>}, or {@code <attribute file>:<line>}
 * @param detail a sentence saying what was wrong
 */
record Reject(String path, String stage, String reason, String detail) implements Outcome {
    public static Reject of(RejectReason reason, String path, String detail) {
        return new Reject(path, reason.stage().key(), reason.code(), detail);
    }

    /** The reject row for the input at {@code path}. */
    public static Reject of(RejectedException rejected, String path) {
        return of(rejected.reason(), path, rejected.getMessage());
    }
}
