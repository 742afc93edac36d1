/**
 * The CPU kernels under the layers: patches (im2col), direct and tap-space convolutions, the votes' per-child
 * products, routing by agreement, squash, and the pool they run on ({@link io.vcaps.core.kernels.KernelThreads}).
 * The Java kernels work image by image with loops over the children, so the JIT vectorises them; the float32
 * routing kernel and the per-child products are written in the JDK Vector API (jdk.incubator.vector, which every
 * JVM running them needs in --add-modules), in this CPU's widest vectors. Imports only ND4J and the Vector API.
 */
package io.vcaps.core.kernels;
