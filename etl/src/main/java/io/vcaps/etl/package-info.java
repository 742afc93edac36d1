/**
 * {@code vcaps etl}: MNIST IDX files, class folders of images, or images plus a CelebA-style attribute file into a
 * Parquet dataset with {@code _vcaps.json} metadata and a {@code _rejects/} table for bad input (docs/DATA.md).
 * May import {@code io.vcaps.spark}; not core.
 */
package io.vcaps.etl;
