package io.vcaps.spark;

/** What a job does when its output path already exists: fail ({@code error}) or replace it ({@code overwrite}). */
public enum OutputMode {
    ERROR,
    OVERWRITE;

    /** The mode named {@code error} or {@code overwrite}, in any case. */
    public static OutputMode parse(String name) {
        for (OutputMode mode : values()) {
            if (mode.name().equalsIgnoreCase(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown output mode '" + name + "' (expected error or overwrite)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
