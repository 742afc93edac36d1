/** Synthetic digit images, a fixture for tests and benchmarks that need data without a dataset on disk. */
package io.vcaps.core.data;
