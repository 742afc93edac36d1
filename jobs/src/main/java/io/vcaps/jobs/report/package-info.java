/**
 * {@code vcaps report}: one HTML page about a training run (loss curves, confusion matrix, reconstructions,
 * samples, traversals, provenance). Reads what {@code jobs.train} and {@code jobs.batch} write.
 */
package io.vcaps.jobs.report;
