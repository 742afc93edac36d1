/**
 * The image rules that {@code vcaps etl} and scoring on Spark ({@code io.vcaps.ml}) share, so that an image scored
 * is converted exactly as one written into a dataset: decoding with a pixel limit checked before the bitmap is
 * allocated ({@link io.vcaps.images.ImageDecoder}), conversion to a target shape
 * ({@link io.vcaps.images.PixelConverter}) and the limits themselves ({@link io.vcaps.images.ImageLimits}). May
 * import {@code io.vcaps.dataset} (the reasons an input is rejected) and {@code core.vcn.ImageShape}.
 */
package io.vcaps.images;
