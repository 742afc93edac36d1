/**
 * {@code vcaps classify} and {@code vcaps generate}: bulk classification and mass synthesis with a model bundle,
 * broadcast once and read by every executor thread into a model of its own. May import core, {@code io.vcaps.etl}
 * (the dataset) and {@code io.vcaps.spark}.
 */
package io.vcaps.jobs.batch;
