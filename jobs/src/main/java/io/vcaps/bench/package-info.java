/**
 * Every benchmark, run as {@code vcaps bench ...} ({@link io.vcaps.bench.BenchJob}), and the synthetic datasets
 * they and the tests train and score on. The model benchmark's timing loop stays in {@code io.vcaps.core.bench}, so
 * that it runs without Spark. May import everything else; nothing imports it but the entry point and tests.
 */
package io.vcaps.bench;
