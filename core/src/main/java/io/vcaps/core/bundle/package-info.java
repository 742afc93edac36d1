/**
 * The model bundle format: {@link io.vcaps.core.bundle.ModelBundle} writes one zip with E, G and D in DL4J's
 * {@code ModelSerializer} format plus configuration, entity names, image shape and
 * {@link io.vcaps.core.vcn.Provenance}; {@link io.vcaps.core.bundle.NetworkFiles} reads and writes the networks
 * byte-compatibly but in bulk, with the coefficients stored rather than deflated so that reading is a copy. May
 * import {@code core.vcn}, {@code core.layers} (the layers' former names) and {@code core.config}.
 *
 * <p>Bundles are files from elsewhere: {@link io.vcaps.core.bundle.BundleLimits} holds what one may contain (entry
 * counts and inflated bytes, image shape, entity count and names, the classes a network's JSON may name) and is
 * applied before anything in it is used; the configuration text is parsed with every {@code include} refused.
 */
package io.vcaps.core.bundle;
