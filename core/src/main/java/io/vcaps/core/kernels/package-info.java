/**
 * The CPU kernels under the layers: patches (im2col), direct and tap-space convolutions, the votes' per-child
 * products, routing by agreement, squash, and the pool they run on ({@link io.vcaps.core.kernels.KernelThreads}).
 * The Java kernels work image by image with loops over the children, so the JIT vectorises them. Imports only ND4J.
 */
package io.vcaps.core.kernels;
