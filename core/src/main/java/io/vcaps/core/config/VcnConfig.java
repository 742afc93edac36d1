package io.vcaps.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;

import java.io.File;
import java.io.Serializable;
import java.util.List;

/**
 * Everything that shapes and trains a Variational Capsule Network, read from HOCON: the {@code vcaps} block of a
 * {@code --conf} file over the defaults in {@code reference.conf}. Names follow SPEC.md.
 */
public record VcnConfig(Encoder encoder, Generator generator, Discriminator discriminator, Loss loss,
        Optimizer encoderGenerator, Optimizer discriminatorOptimizer, int batchSize, long seed,
        Double threshold) implements Serializable {

    /** conv1 -> primary capsules -> routing to K capsules of capsuleDim -> heads to latentDim. */
    public record Encoder(int conv1Filters, int conv1Kernel, int primaryChannels, int primaryDim,
            int primaryKernel, int primaryStride, int capsuleDim, int routings, double routingWeightStd,
            int latentDim) implements Serializable {
    }

    /**
     * {@code conv}: SPEC's dense + two transposed convolutions; {@code dense}: CapsNet's fully connected decoder.
     * {@code condition}: G reads the entity mask T beside M(z, T), as conditional VAEs and GANs do; without it G
     * sees only M(z, T), the paper's reading.
     */
    public record Generator(String kind, int channels, List<Integer> hidden, boolean condition)
            implements Serializable {
    }

    public record Discriminator(List<Integer> channels) implements Serializable {
    }

    /** Margins in nats; alpha, beta, gamma weigh reconstruction, adversarial and class-consistency terms. */
    public record Loss(double mPlus, double mMinus, double lambda, double alpha, double beta, double gamma)
            implements Serializable {
    }

    /** Adam; {@code headsFactor} scales the learning rate of E's variational heads (1 for D). */
    public record Optimizer(double learningRate, double beta1, double beta2, double headsFactor)
            implements Serializable {
    }

    /** The defaults alone. */
    public static VcnConfig defaults() {
        return from(ConfigFactory.empty(), "defaults");
    }

    /** Reads a HOCON file; its {@code vcaps} block overrides the defaults. */
    public static VcnConfig load(File file) {
        if (!file.isFile()) {
            throw new IllegalArgumentException("configuration file not found: " + file);
        }
        return from(ConfigFactory.parseFile(file), file.getPath());
    }

    /** Parses HOCON text (as a bundle stores it). */
    public static VcnConfig parse(String hocon, String source) {
        return from(ConfigFactory.parseString(hocon), source);
    }

    private static VcnConfig from(Config overrides, String source) {
        Config c = overrides.withFallback(ConfigFactory.defaultReference(VcnConfig.class.getClassLoader())).resolve();
        try {
            Config m = c.getConfig("vcaps.model");
            Encoder encoder = new Encoder(
                    positive(m, "conv1.filters"), positive(m, "conv1.kernel"),
                    positive(m, "primary.channels"), positive(m, "primary.dim"),
                    positive(m, "primary.kernel"), positive(m, "primary.stride"),
                    positive(m, "capsules.dim"), positive(m, "capsules.routings"),
                    m.getDouble("capsules.weight-std"), positive(m, "latent-dim"));
            String kind = m.getString("generator.kind");
            if (!kind.equals("conv") && !kind.equals("dense")) {
                throw new IllegalArgumentException("vcaps.model.generator.kind must be conv or dense, not " + kind);
            }
            Generator generator = new Generator(kind, positive(m, "generator.channels"),
                    m.getIntList("generator.hidden"), m.getBoolean("generator.condition"));
            Discriminator discriminator = new Discriminator(m.getIntList("discriminator.channels"));
            Config l = c.getConfig("vcaps.loss");
            Loss loss = new Loss(l.getDouble("m-plus"), l.getDouble("m-minus"), l.getDouble("lambda"),
                    nonNegative(l, "alpha"), nonNegative(l, "beta"), nonNegative(l, "gamma"));
            if (loss.mPlus() >= loss.mMinus()) {
                throw new IllegalArgumentException("vcaps.loss.m-plus (" + loss.mPlus()
                        + ") must be below m-minus (" + loss.mMinus() + ")");
            }
            Config t = c.getConfig("vcaps.training");
            String threshold = c.getString("vcaps.inference.threshold");
            return new VcnConfig(encoder, generator, discriminator, loss,
                    optimizer(c.getConfig("vcaps.optimizer.encoder-generator"), true),
                    optimizer(c.getConfig("vcaps.optimizer.discriminator"), false),
                    positive(t, "batch-size"), t.getLong("seed"),
                    threshold.equals("auto") ? null : Double.valueOf(threshold));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("bad configuration " + source + ": " + e.getMessage(), e);
        }
    }

    private static Optimizer optimizer(Config o, boolean heads) {
        double factor = heads ? o.getDouble("heads-factor") : 1;
        if (!(factor > 0)) {
            throw new IllegalArgumentException("vcaps.optimizer.encoder-generator.heads-factor must be above 0, got "
                    + factor);
        }
        return new Optimizer(o.getDouble("learning-rate"), o.getDouble("beta1"), o.getDouble("beta2"), factor);
    }

    private static int positive(Config c, String path) {
        int v = c.getInt(path);
        if (v <= 0) {
            throw new IllegalArgumentException(c.origin().description() + ": " + path + " must be positive, got " + v);
        }
        return v;
    }

    private static double nonNegative(Config c, String path) {
        double v = c.getDouble(path);
        if (v < 0) {
            throw new IllegalArgumentException(path + " must not be negative, got " + v);
        }
        return v;
    }

    /** Every value as HOCON, so that {@link #parse} rebuilds exactly this configuration. */
    public String toHocon() {
        Encoder e = encoder;
        String text = "vcaps {\n"
                + "  model {\n"
                + "    conv1 { filters = " + e.conv1Filters() + ", kernel = " + e.conv1Kernel() + " }\n"
                + "    primary { channels = " + e.primaryChannels() + ", dim = " + e.primaryDim() + ", kernel = "
                + e.primaryKernel() + ", stride = " + e.primaryStride() + " }\n"
                + "    capsules { dim = " + e.capsuleDim() + ", routings = " + e.routings() + ", weight-std = "
                + e.routingWeightStd() + " }\n"
                + "    latent-dim = " + e.latentDim() + "\n"
                + "    generator { kind = " + generator.kind() + ", channels = " + generator.channels()
                + ", hidden = " + generator.hidden() + ", condition = " + generator.condition() + " }\n"
                + "    discriminator { channels = " + discriminator.channels() + " }\n"
                + "  }\n"
                + "  loss { m-plus = " + loss.mPlus() + ", m-minus = " + loss.mMinus() + ", lambda = " + loss.lambda()
                + ", alpha = " + loss.alpha() + ", beta = " + loss.beta() + ", gamma = " + loss.gamma() + " }\n"
                + "  optimizer {\n"
                + "    encoder-generator " + adam(encoderGenerator, true) + "\n"
                + "    discriminator " + adam(discriminatorOptimizer, false) + "\n"
                + "  }\n"
                + "  training { batch-size = " + batchSize + ", seed = " + seed + " }\n"
                + "  inference { threshold = " + (threshold == null ? "auto" : threshold) + " }\n"
                + "}\n";
        return ConfigFactory.parseString(text).root().render(ConfigRenderOptions.defaults().setOriginComments(false));
    }

    private static String adam(Optimizer o, boolean heads) {
        return "{ learning-rate = " + o.learningRate() + ", beta1 = " + o.beta1() + ", beta2 = " + o.beta2()
                + (heads ? ", heads-factor = " + o.headsFactor() : "") + " }";
    }

    /** Presence threshold tau on KL: configured, or (m_plus + m_minus) / 2. */
    public double presenceThreshold() {
        return threshold != null ? threshold : (loss.mPlus() + loss.mMinus()) / 2;
    }

    /** The same configuration with the loss weights and generator replaced (benchmarks, tests). */
    public VcnConfig with(Loss newLoss, Generator newGenerator) {
        return new VcnConfig(encoder, newGenerator, discriminator, newLoss, encoderGenerator, discriminatorOptimizer,
                batchSize, seed, threshold);
    }
}
