/**
 * {@code vcaps report}: one HTML page about a training run (loss curves, confusion matrix, reconstructions,
 * samples, traversals, provenance). Reads the run record ({@code jobs.run}), the model bundle, the dataset and what
 * {@code jobs.batch} writes.
 */
package io.vcaps.jobs.report;
