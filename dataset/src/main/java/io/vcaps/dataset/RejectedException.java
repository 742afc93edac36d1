package io.vcaps.dataset;

/** Thrown where an input cannot become an image; carries the reason for the rejects table. */
public final class RejectedException extends Exception {
    private final RejectReason reason;

    public RejectedException(RejectReason reason, String detail) {
        // No stack trace: rejects are expected, and bad datasets can have many.
        super(detail, null, false, false);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
