package io.vcaps.ml;

/**
 * An input row that cannot become an image for the model: {@code code} is short and stable (the ETL's reject
 * codes where the ETL's decoder said no, else {@code missing}, {@code bad_pixels}, {@code bad_shape}), {@code detail}
 * says what is wrong with the image, worded to follow "image ID ".
 */
final class InvalidImage extends Exception {
    private final String code;

    InvalidImage(String code, String detail) {
        // No stack trace: bad rows are expected, and a table can have many.
        super(detail, null, false, false);
        this.code = code;
    }

    String code() {
        return code;
    }

    /** The value of the reason column. */
    String reason() {
        return code + ": " + getMessage();
    }
}
