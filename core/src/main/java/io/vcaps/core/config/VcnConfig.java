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
 * {@code --conf} file over the defaults in {@code reference.conf}. Names follow docs/MODEL.md.
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
     * {@code conv}: docs/MODEL.md's dense + two transposed convolutions; {@code dense}: CapsNet's dense decoder.
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

    /**
     * Reads a HOCON file; its {@code vcaps} block overrides the defaults. A key reference.conf lacks, a value of the
     * wrong type or out of range is an {@link IllegalArgumentException} naming the key.
     */
    public static VcnConfig load(File file) {
        return read(ConfigChecks.load(file), file.getPath());
    }

    /** Parses HOCON text (as a bundle stores it) as data: includes are refused. */
    public static VcnConfig parse(String hocon, String source) {
        return from(ConfigChecks.parseData(hocon, source), source);
    }

    private static VcnConfig from(Config overrides, String source) {
        return read(ConfigChecks.merged(overrides, source), source);
    }

    private static VcnConfig read(Config c, String source) {
        try {
            String m = "vcaps.model.";
            Encoder encoder = new Encoder(
                    positive(c, m + "conv1.filters"), positive(c, m + "conv1.kernel"),
                    positive(c, m + "primary.channels"), positive(c, m + "primary.dim"),
                    positive(c, m + "primary.kernel"), positive(c, m + "primary.stride"),
                    positive(c, m + "capsules.dim"), positive(c, m + "capsules.routings"),
                    above(c, m + "capsules.weight-std", 0), positive(c, m + "latent-dim"));
            String kind = c.getString(m + "generator.kind");
            if (!kind.equals("conv") && !kind.equals("dense")) {
                throw new IllegalArgumentException(m + "generator.kind must be conv or dense, not " + kind);
            }
            Generator generator = new Generator(kind, positive(c, m + "generator.channels"),
                    positives(c, m + "generator.hidden"), c.getBoolean(m + "generator.condition"));
            Discriminator discriminator = new Discriminator(positives(c, m + "discriminator.channels"));
            String l = "vcaps.loss.";
            Loss loss = new Loss(nonNegative(c, l + "m-plus"), nonNegative(c, l + "m-minus"),
                    nonNegative(c, l + "lambda"), nonNegative(c, l + "alpha"), nonNegative(c, l + "beta"),
                    nonNegative(c, l + "gamma"));
            if (loss.mPlus() >= loss.mMinus()) {
                throw new IllegalArgumentException("vcaps.loss.m-plus (" + loss.mPlus()
                        + ") must be below m-minus (" + loss.mMinus() + ")");
            }
            return new VcnConfig(encoder, generator, discriminator, loss,
                    optimizer(c, "vcaps.optimizer.encoder-generator", true),
                    optimizer(c, "vcaps.optimizer.discriminator", false),
                    positive(c, "vcaps.training.batch-size"), c.getLong("vcaps.training.seed"), threshold(c));
        } catch (ConfigException | IllegalArgumentException e) {
            throw new IllegalArgumentException("bad configuration " + source + ": " + e.getMessage(), e);
        }
    }

    private static Double threshold(Config c) {
        String key = "vcaps.inference.threshold";
        String text = c.getString(key);
        if (text.equals("auto")) {
            return null;
        }
        double v;
        try {
            v = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be auto or a number of nats, got " + text);
        }
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(key + " must be above 0, got " + text);
        }
        return v;
    }

    private static Optimizer optimizer(Config c, String at, boolean heads) {
        double factor = heads ? above(c, at + ".heads-factor", 0) : 1;
        return new Optimizer(above(c, at + ".learning-rate", 0), fraction(c, at + ".beta1"),
                fraction(c, at + ".beta2"), factor);
    }

    private static int positive(Config c, String path) {
        int v = c.getInt(path);
        if (v <= 0) {
            throw new IllegalArgumentException(path + " must be positive, got " + v);
        }
        return v;
    }

    private static List<Integer> positives(Config c, String path) {
        List<Integer> values = c.getIntList(path);
        for (int v : values) {
            if (v <= 0) {
                throw new IllegalArgumentException(path + " must hold positive numbers, got " + values);
            }
        }
        return values;
    }

    private static double nonNegative(Config c, String path) {
        double v = c.getDouble(path);
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(path + " must be a finite number, 0 or more, got " + v);
        }
        return v;
    }

    private static double above(Config c, String path, double bound) {
        double v = c.getDouble(path);
        if (!(v > bound) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(path + " must be a finite number above " + bound + ", got " + v);
        }
        return v;
    }

    /** Adam's decay rates: in [0, 1). */
    private static double fraction(Config c, String path) {
        double v = c.getDouble(path);
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(path + " must be in [0, 1), got " + v);
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
