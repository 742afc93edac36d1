package io.vcaps.core.vcn;

import io.vcaps.core.config.VcnConfig;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A Variational Capsule Network: encoder E, generator G and discriminator D with the configuration, entity names,
 * image shape and provenance that made them. Inference: {@link #classify}, {@link #reconstruct},
 * {@link #synthesise}, {@link #traverse}. Training: {@link TrainingStep}. Saved and loaded by
 * {@code core.bundle.ModelBundle}.
 */
public final class VcnModel {

    private final VcnConfig config;
    private final ImageShape shape;
    private final List<String> entityNames;
    private final MultiLayerNetwork encoder;
    private final MultiLayerNetwork generator;
    private final MultiLayerNetwork discriminator;
    private Provenance provenance;
    private EntityPriors priors;
    private PresenceThresholds thresholds;

    public VcnModel(VcnConfig config, ImageShape shape, List<String> entityNames, MultiLayerNetwork encoder,
            MultiLayerNetwork generator, MultiLayerNetwork discriminator, Provenance provenance) {
        this.config = config;
        this.shape = shape;
        this.entityNames = List.copyOf(entityNames);
        this.encoder = encoder;
        this.generator = generator;
        this.discriminator = discriminator;
        this.provenance = provenance;
    }

    /** A freshly initialised model (float32 unless told otherwise). */
    public static VcnModel create(VcnConfig config, ImageShape shape, List<String> entityNames, DataType dataType) {
        if (entityNames.size() < 2) {
            throw new IllegalArgumentException("a model needs at least two entities, got " + entityNames);
        }
        EntityNames.require(entityNames);
        Nd4j.getRandom().setSeed(config.seed());
        int k = entityNames.size();
        return new VcnModel(config, shape, entityNames,
                Networks.encoder(config, shape, k, dataType),
                Networks.generator(config, shape, k, dataType),
                Networks.discriminator(config, shape, dataType),
                Provenance.untrained(config.seed()));
    }

    public Classification classify(INDArray images) {
        return Classification.of(capsules(images).kl(), presenceThresholds());
    }

    /**
     * tau_k for every entity: the configured {@code inference.threshold} when it is a number; under {@code auto},
     * the {@link PresenceThresholds} fitted after training when the model has them, else (m+ + m-) / 2.
     */
    public double[] presenceThresholds() {
        if (config.threshold() == null && thresholds != null) {
            return thresholds.tau();
        }
        double[] tau = new double[entities()];
        java.util.Arrays.fill(tau, config.presenceThreshold());
        return tau;
    }

    /** Reconstructions [B, H*W*C] as {@link #analyse} makes them. */
    public INDArray reconstruct(INDArray images, boolean multiLabel) {
        return analyse(images, multiLabel).reconstructions();
    }

    /** A batch's classification and its reconstructions, from one pass of the encoder. */
    public record Analysis(Classification classification, INDArray reconstructions) {
    }

    /**
     * Classifies {@code images} and reconstructs them from the capsule means, masked by the predicted entities:
     * argmin_k KL_k for single-label data; for multi-label data the predicted set {k : KL_k < tau} (argmin where
     * that set is empty).
     */
    public Analysis analyse(INDArray images, boolean multiLabel) {
        VariationalCapsules capsules = capsules(images);
        Classification predicted = Classification.of(capsules.kl(), presenceThresholds());
        INDArray mask = Nd4j.zeros(dataType(), images.size(0), entities());
        for (int b = 0; b < predicted.size(); b++) {
            if (multiLabel && !predicted.unknown()[b]) {
                for (int k = 0; k < entities(); k++) {
                    mask.putScalar(b, k, predicted.present()[b][k] ? 1.0 : 0.0);
                }
            } else {
                mask.putScalar(b, predicted.predicted()[b], 1.0);
            }
        }
        return new Analysis(predicted, decode(capsules.mean(), mask));
    }

    /** Each image's capsule mean for {@code entity}, [B, D]: where a traversal of that entity can start. */
    public INDArray capsuleMeans(INDArray images, int entity) {
        return capsules(images).mu().get(NDArrayIndex.all(), NDArrayIndex.point(entity), NDArrayIndex.all()).dup();
    }

    /**
     * Adds each image's capsules of the entities it shows ({@code present[b]}) to {@code moments}: the data
     * {@link EntityPriors} are fitted to.
     */
    public EntityPriors.Moments addPriorMoments(INDArray images, int[][] present, EntityPriors.Moments moments) {
        return addPriorMoments(images, present, moments, null);
    }

    /**
     * As {@link #addPriorMoments(INDArray, int[][], EntityPriors.Moments)}, from the same pass of the encoder also
     * adding every image's KLs to {@code kls} (when not null): the data {@link PresenceThresholds} are fitted to.
     */
    public EntityPriors.Moments addPriorMoments(INDArray images, int[][] present, EntityPriors.Moments moments,
            PresenceThresholds.Sample kls) {
        VariationalCapsules capsules = capsules(images);
        double[][] kl = kls == null ? null : capsules.kl().toDoubleMatrix();
        for (int b = 0; b < present.length; b++) {
            moments.add(capsules, b, present[b]);
            if (kls != null) {
                boolean[] truth = new boolean[entities()];
                for (int entity : present[b]) {
                    truth[entity] = true;
                }
                kls.add(kl[b], truth);
            }
        }
        return moments;
    }

    /**
     * This model drawing from entity priors fitted to single-label {@code images} [N, H*W*C] and their
     * {@code labels}, encoded 500 at a time.
     */
    public VcnModel withPriorsFittedTo(INDArray images, int[] labels) {
        int[][] present = new int[labels.length][];
        for (int i = 0; i < present.length; i++) {
            present[i] = new int[] {labels[i]};
        }
        return withPriorsFittedTo(images, present);
    }

    /**
     * This model drawing from entity priors (and the priors of co-occurring pairs) fitted to {@code images}
     * [N, H*W*C], image i showing the entities {@code present[i]}, encoded 500 at a time.
     */
    public VcnModel withPriorsFittedTo(INDArray images, int[][] present) {
        EntityPriors.Moments moments = new EntityPriors.Moments(entities(), latentDim());
        for (int from = 0; from < present.length; from += 500) {
            int to = Math.min(present.length, from + 500);
            addPriorMoments(images.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()),
                    java.util.Arrays.copyOfRange(present, from, to), moments);
        }
        return withPriors(moments.fit());
    }

    /**
     * {@code count} images of the entity set {@code entities} (ascending): for k in the set, z_k = m_k + t L_k eps
     * from the fitted {@link EntityPriors} when the model has them (the set's own when they hold one for it), else
     * z_k ~ N(0, t^2 I); 0 elsewhere. Image i's noise
     * derives from (seed, first entity, {@code firstIndex} + i) alone, so any slice of a large synthesis gives the
     * same images as the whole.
     *
     * @return images [count, H*W*C] in [0, 1] and their latent vectors [count, K*D]
     */
    public Synthesis synthesise(int[] entities, int count, long seed, double temperature, long firstIndex) {
        int d = latentDim();
        double[][] z = new double[count][entities() * d];
        for (int i = 0; i < count; i++) {
            SplittableRandom noise = new SplittableRandom(mix(seed, entities[0], firstIndex + i));
            double[][] capsules = priors != null ? priors.sample(entities, noise, temperature) : null;
            for (int m = 0; m < entities.length; m++) {
                System.arraycopy(capsules != null ? capsules[m] : capsule(entities[m], noise, temperature), 0, z[i],
                        entities[m] * d, d);
            }
        }
        INDArray latent = Nd4j.create(z).castTo(dataType());
        INDArray mask = Nd4j.zeros(dataType(), count, entities());
        for (int entity : entities) {
            mask.getColumn(entity).assign(1.0);
        }
        return new Synthesis(decode(latent.reshape('c', count, entities(), d), mask), latent);
    }

    /**
     * Images [steps, H*W*C] of {@code entity} alone: its capsule is {@code centre} [D] (a real image's capsule mean,
     * or a prior sample) with dimension {@code dimension} varied across [-3, 3].
     */
    public INDArray traverse(int entity, int dimension, int steps, INDArray centre) {
        int d = latentDim();
        if (centre.length() != d) {
            throw new IllegalArgumentException("a traversal's centre has " + d + " values, got " + centre.length());
        }
        INDArray z = Nd4j.zeros(dataType(), steps, entities(), d);
        INDArray mask = Nd4j.zeros(dataType(), steps, entities());
        for (int s = 0; s < steps; s++) {
            z.get(NDArrayIndex.point(s), NDArrayIndex.point(entity), NDArrayIndex.all())
                    .assign(centre.reshape(d).castTo(dataType()));
            z.putScalar(new long[]{s, entity, dimension}, -3.0 + 6.0 * s / Math.max(steps - 1, 1));
            mask.putScalar(s, entity, 1.0);
        }
        return decode(z, mask);
    }

    /** A sample of {@code entity}'s capsule at temperature 1, [D], from {@code seed} alone, as {@link #synthesise}. */
    public INDArray priorCapsule(int entity, long seed) {
        return Nd4j.create(capsule(entity, new SplittableRandom(seed), 1.0)).castTo(dataType());
    }

    private double[] capsule(int entity, SplittableRandom noise, double temperature) {
        if (priors != null) {
            return priors.sample(entity, noise, temperature);
        }
        double[] z = new double[latentDim()];
        for (int j = 0; j < z.length; j++) {
            z[j] = temperature * noise.nextGaussian();
        }
        return z;
    }

    /** The fitted entity priors synthesis draws from, when the model has them. */
    public Optional<EntityPriors> priors() {
        return java.util.Optional.ofNullable(priors);
    }

    /**
     * This model drawing its samples from {@code fitted} (null: the standard prior N(0, I)); the networks are
     * shared, not copied.
     *
     * @throws IllegalArgumentException when they are not K capsules of D dimensions
     */
    public VcnModel withPriors(EntityPriors fitted) {
        if (fitted != null && (fitted.entities() != entities() || fitted.dim() != latentDim())) {
            throw new IllegalArgumentException("entity priors for " + fitted.entities() + " entities of "
                    + fitted.dim() + " dimensions do not fit a model of " + entities() + " entities of "
                    + latentDim());
        }
        Provenance named = provenance == null ? null
                : provenance.withSparsePriors(fitted == null ? Map.of() : fitted.sparse(entityNames));
        return copy(named, fitted, thresholds);
    }

    /** The presence thresholds fitted after training, when the model has them. */
    public Optional<PresenceThresholds> thresholds() {
        return Optional.ofNullable(thresholds);
    }

    /**
     * This model deciding presence by {@code fitted} under {@code inference.threshold = auto} (null: by
     * (m+ + m-) / 2); the networks and priors are shared, not copied.
     *
     * @throws IllegalArgumentException when they are not one per entity
     */
    public VcnModel withThresholds(PresenceThresholds fitted) {
        if (fitted != null && fitted.entities() != entities()) {
            throw new IllegalArgumentException(fitted.entities() + " presence thresholds do not fit a model of "
                    + entities() + " entities");
        }
        return copy(provenance, priors, fitted);
    }

    /** This model's networks (shared, not copied) with the given provenance, priors and thresholds. */
    private VcnModel copy(Provenance withProvenance, EntityPriors withPriors, PresenceThresholds withThresholds) {
        VcnModel model = new VcnModel(config, shape, entityNames, encoder, generator, discriminator, withProvenance);
        model.priors = withPriors;
        model.thresholds = withThresholds;
        return model;
    }

    /** Images and the latent vectors they were decoded from. */
    public record Synthesis(INDArray images, INDArray latent) {
    }

    VariationalCapsules capsules(INDArray images) {
        checkImages(images);
        return new VariationalCapsules(encoder.output(images.castTo(dataType()), false), entities(), latentDim());
    }

    /** G(z masked by T), with T beside it when G is conditioned; z [B, K, D], mask T [B, K]. */
    private INDArray decode(INDArray z, INDArray mask) {
        return generator.output(VariationalCapsules.generatorInput(z, mask, config.generator().condition()), false);
    }

    private void checkImages(INDArray images) {
        if (images.rank() != 2 || images.size(1) != shape.pixels()) {
            throw new IllegalArgumentException("expected images [batch, " + shape.pixels() + "] (" + shape
                    + " HWC), got " + java.util.Arrays.toString(images.shape()));
        }
    }

    private static long mix(long seed, long entity, long index) {
        long h = seed * 0x9E3779B97F4A7C15L + entity;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + index;
        return h ^ (h >>> 29);
    }

    public VcnConfig config() {
        return config;
    }

    public ImageShape shape() {
        return shape;
    }

    public List<String> entityNames() {
        return entityNames;
    }

    public int entities() {
        return entityNames.size();
    }

    public int latentDim() {
        return config.encoder().latentDim();
    }

    public DataType dataType() {
        return encoder.params().dataType();
    }

    public MultiLayerNetwork encoder() {
        return encoder;
    }

    public MultiLayerNetwork generator() {
        return generator;
    }

    public MultiLayerNetwork discriminator() {
        return discriminator;
    }

    public Provenance provenance() {
        return provenance;
    }

    public void setProvenance(Provenance provenance) {
        this.provenance = provenance;
    }
}
