/**
 * The plumbing every Spark job shares: sessions, the command line, failures that end a job with one line, and
 * output committed by renaming a staging folder into place, never over the job's own inputs
 * ({@link io.vcaps.spark.SeparatePaths}); the Spark line the jar was built for
 * ({@link io.vcaps.spark.SparkLine}) and what that line spells its own way ({@code InternalRows}, in
 * {@code dataset/src/spark3} and {@code dataset/src/spark4}). Imports nothing of vcaps.
 */
package io.vcaps.spark;
