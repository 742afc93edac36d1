package io.vcaps.jobs.etl;

import io.vcaps.dataset.DatasetSchema;

/**
 * One good image, as written: a row of the dataset (see {@link DatasetSchema#IMAGES}).
 *
 * @param label the entity index for single-label data, -1 for multi-label data
 * @param labelName the entity's name; for multi-label data the present entities' names joined by '|'
 * @param labels the indices of the present entities ({@code [label]} for single-label data)
 * @param pixels raw uint8 values, row-major HWC
 */
record ImageRecord(String id, String split, int label, String labelName, int[] labels,
                          int height, int width, int channels, byte[] pixels) implements Outcome {
}
