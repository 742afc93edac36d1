/**
 * The dataset {@code vcaps etl} writes and every job reads (docs/DATA.md): its schema
 * ({@link io.vcaps.dataset.DatasetSchema}), its {@code _vcaps.json} ({@link io.vcaps.dataset.DatasetMetadata}), the
 * one validating reader ({@link io.vcaps.dataset.ImageDataset}, with the labelled view the batch jobs and the
 * report read, {@link io.vcaps.dataset.LabelledImages}), the one uint8 to float pixel conversion
 * ({@link io.vcaps.dataset.Pixels}), the train/test split by id ({@link io.vcaps.dataset.Splits}) and the reasons
 * an input is rejected into {@code _rejects/} ({@link io.vcaps.dataset.RejectReason}). May import
 * {@code core.vcn.ImageShape} and {@code io.vcaps.spark}.
 */
package io.vcaps.dataset;
