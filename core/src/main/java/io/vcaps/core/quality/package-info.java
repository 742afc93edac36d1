/**
 * Measures of synthesis that do not trust the model they judge: an independent classifier trained on the same data
 * (softmax, or a sigmoid per attribute on multi-label data), the Fréchet distance between its features of samples and
 * of held-out images, and that distance's baselines.
 * Imports core.vcn (the model it measures), core.layers (the classifier's layers) and commons-math; no Spark.
 */
package io.vcaps.core.quality;
