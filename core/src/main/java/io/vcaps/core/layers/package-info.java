/**
 * vcaps' DL4J layers: each a layer definition (the configuration DL4J serialises, e.g.
 * {@link io.vcaps.core.layers.NhwcConvolution}) and its implementation (the same name plus {@code Layer}), with a
 * hand-written backward pass checked against finite differences in double precision. All extend
 * {@link io.vcaps.core.layers.KernelLayer}; the arithmetic is in {@code core.kernels}.
 *
 * <p>{@code NhwcConvolution} convolves flat NHWC images: over inputs of at most 64 channels by libnd4j's
 * {@code conv2d} op (oneDNN's kernels), otherwise by NHWC patches gathered by a Java kernel and one sgemm;
 * {@code -Dvcaps.convolution=direct|im2col} forces one path (for benchmarks; {@code auto} picks by input width).
 * DL4J 1.0.0-M2.1's own convolution and dense layers measured 8-50x slower here (docs/BENCHMARKS.md).
 * {@code CapsuleRouting} computes the votes as one small product per child in the kernel's layout, then routing by
 * agreement image by image. May import {@code core.kernels}.
 */
package io.vcaps.core.layers;
