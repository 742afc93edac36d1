package io.vcaps.jobs.etl;

/** The kinds of input the ETL reads. */
public enum SourceKind {
    /** A folder of MNIST-format IDX files. */
    IDX,
    /** A folder with one sub-folder of images per class (optionally under train/ and test/). */
    FOLDERS,
    /** A folder of images plus a CelebA-style attribute file. */
    ATTRIBUTES;

    /** The name used on the command line and in {@code _vcaps.json}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
