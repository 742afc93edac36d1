/** The {@code vcaps} entry point: one subcommand per job, and {@code bench} for the benchmarks. */
package io.vcaps.jobs;
