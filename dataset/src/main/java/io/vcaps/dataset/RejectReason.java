package io.vcaps.dataset;

import java.util.Locale;

/** Why an input was rejected, and at which stage of the ETL. docs/DATA.md lists them all. */
public enum RejectReason {
    EMPTY_FILE(Stage.READ, "empty_file"),
    FILE_TOO_LARGE(Stage.READ, "file_too_large"),
    TRUNCATED_RECORD(Stage.READ, "truncated"),
    READ_ERROR(Stage.READ, "read_error"),
    NOT_AN_IMAGE(Stage.DECODE, "not_an_image"),
    TRUNCATED_IMAGE(Stage.DECODE, "truncated"),
    UNDECODABLE(Stage.DECODE, "undecodable"),
    TOO_MANY_PIXELS(Stage.DECODE, "too_large"),
    NO_CLASS(Stage.LABEL, "no_class"),
    UNKNOWN_SPLIT(Stage.LABEL, "unknown_split"),
    UNLABELLED(Stage.LABEL, "unlabelled"),
    BAD_ROW(Stage.ATTRIBUTES, "bad_row"),
    BAD_VALUE(Stage.ATTRIBUTES, "bad_value"),
    MISSING_FILE(Stage.ATTRIBUTES, "missing_file"),
    OUTSIDE_INPUT(Stage.ATTRIBUTES, "outside_input"),
    DUPLICATE_ROW(Stage.ATTRIBUTES, "duplicate_row");

    /** The stages of the ETL at which an input can be rejected. */
    public enum Stage {
        /** Reading bytes: files and IDX records. */
        READ,
        /** Decoding an image file. */
        DECODE,
        /** Finding an image's label from where it lies. */
        LABEL,
        /** Reading the attribute file. */
        ATTRIBUTES;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Stage stage;
    private final String code;

    RejectReason(Stage stage, String code) {
        this.stage = stage;
        this.code = code;
    }

    public Stage stage() {
        return stage;
    }

    /** The value of the {@code reason} column. */
    public String code() {
        return code;
    }
}
