/**
 * vcaps as Spark ML stages: {@code VcapsModel}, a {@code Transformer} that scores Spark's image struct, encoded
 * image files or vcaps pixels (docs/SPARK-ML.md) and is the one scoring path ({@code vcaps classify} uses it), the
 * SQL function over it, and {@code VcapsClassifier}, the {@code Estimator} that trains one through
 * {@code jobs.train}. Owns the model bundle on Spark: read and checked once on the driver ({@code Bundle}),
 * broadcast once, read by every executor thread into its own model ({@code ExecutorModels}; a DL4J network is not
 * thread-safe). May import core, {@code jobs.train}, {@code jobs.run}, {@code io.vcaps.dataset},
 * {@code io.vcaps.images} (the ETL's decoder, pixel conversion and limits) and {@code io.vcaps.spark}.
 */
package io.vcaps.ml;
