/**
 * The training-run record, RUN_DIR: {@code model.zip}, {@code eval.json} ({@link io.vcaps.jobs.run.FinalEvaluation}),
 * {@code metrics.jsonl} ({@link io.vcaps.jobs.run.MetricsLine}, written and read by
 * {@link io.vcaps.jobs.run.MetricsLog}) and {@code checkpoints/} ({@link io.vcaps.jobs.run.Checkpoint}), each file
 * written under a hidden name and renamed into place ({@link io.vcaps.jobs.run.RunDirectory}). {@code jobs.train}
 * writes it, {@code jobs.report} reads it; the field names are spelt here only. May import core and
 * {@code io.vcaps.spark}.
 */
package io.vcaps.jobs.run;
