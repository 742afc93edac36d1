/**
 * {@code vcaps etl}: MNIST IDX files, class folders of images, or images plus a CelebA-style attribute file into a
 * Parquet dataset with {@code _vcaps.json} metadata and a {@code _rejects/} table for bad input (docs/DATA.md); and
 * the data generators {@code vcaps multimnist} and {@code vcaps shapes}, which write image folders with an attribute
 * file for the attributes source.
 * May import {@code io.vcaps.dataset}, {@code io.vcaps.images}, {@code io.vcaps.spark} and
 * {@code core.vcn.ImageShape}; nothing imports it but the entry point and the benchmarks.
 */
package io.vcaps.jobs.etl;
