/**
 * The Variational Capsule Network of docs/MODEL.md, read like it: {@link io.vcaps.core.vcn.Networks} builds E, G
 * and D, {@link io.vcaps.core.vcn.VariationalCapsules} and {@link io.vcaps.core.vcn.Losses} hold the equations (KL,
 * margin loss on KL, sampling and masking, reconstruction, least-squares GAN), {@link io.vcaps.core.vcn.TrainingStep}
 * is one step of D on L_D then of E+G on L_EG, {@link io.vcaps.core.vcn.Classification} the argmin-KL and thresholded
 * predictions, {@link io.vcaps.core.vcn.VcnModel} the three networks together, and
 * {@link io.vcaps.core.vcn.ModelShapes} which image shapes a configuration can be built for,
 * {@link io.vcaps.core.vcn.EntityPriors} where each entity's capsules lie after training (what synthesis samples),
 * {@link io.vcaps.core.vcn.EntityNames} what an entity may be called (the one rule; the ETL, training and bundles
 * apply it), and {@link io.vcaps.core.vcn.Provenance} where a model came from.
 *
 * <p>The training step tells each network whether its input gradient is needed: the encoder's conv1 over images
 * skips it, as does D's update pass. May import {@code core.config} and {@code core.layers}; no Spark.
 */
package io.vcaps.core.vcn;
