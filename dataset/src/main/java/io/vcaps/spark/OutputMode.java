package io.vcaps.spark;

/** What a job does when its output path already exists: fail ({@code error}) or replace it ({@code overwrite}). */
public enum OutputMode {
    ERROR,
    OVERWRITE;

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
