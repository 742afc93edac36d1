/** The model benchmark ({@code vcaps bench model}): training steps in one JVM, without Spark. */
package io.vcaps.core.bench;
