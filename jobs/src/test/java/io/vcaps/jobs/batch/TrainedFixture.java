package io.vcaps.jobs.batch;

import io.vcaps.bench.SyntheticDataset;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.data.SyntheticDigits;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.TrainingStep;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.jobs.TestSpark;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small model trained in-process on the train split of a {@link SyntheticDataset}, with its entity priors fitted
 * to that split, written as a real bundle, and
 * the dataset itself written as real Parquet: made once per test JVM, in a folder that outlives the test classes.
 */
public final class TrainedFixture {
    public static final int TRAIN = 960;
    public static final int TEST = 300;
    public static final long SEED = 7;
    public static final int EPOCHS = 2;
    public static final int BATCH = 32;
    /**
     * A reduced model that learns in about a minute on two busy cores. The class-consistency term (gamma,
     * docs/MODEL.md "Beyond the paper") makes its prior samples recognisable after so little training. The paper's
     * margins (2, 32) rather than the shipped ones: with 8 latent dimensions and two epochs, a capsule that starts
     * at KL 44 on the narrow side (logvar about -12) does not get far enough to classify.
     */
    public static final String CONF = "vcaps { model { conv1 { filters = 8, kernel = 9 }, "
            + "primary { channels = 4, kernel = 9 },"
            + " capsules { dim = 8 }, latent-dim = 8, generator { channels = 8 }, discriminator { channels = [8, 8] } "
                    + "},"
            + " loss { beta = 0.0, alpha = 0.02, gamma = 0.5 }, optimizer.encoder-generator.learning-rate = 0.01,"
            + " loss { m-plus = 2, m-minus = 32 },"
            + " training { seed = 3 } }";

    private static TrainedFixture fixture;

    public final Path dir;
    public final Path bundle;
    public final Path dataset;
    public final VcnModel model;
    public final double trainSeconds;

    private TrainedFixture(Path dir, Path bundle, Path dataset, VcnModel model, double trainSeconds) {
        this.dir = dir;
        this.bundle = bundle;
        this.dataset = dataset;
        this.model = model;
        this.trainSeconds = trainSeconds;
    }

    public static synchronized TrainedFixture get() throws IOException {
        if (fixture == null) {
            SparkSession spark = TestSpark.session();
            Path dir = Files.createDirectories(Path.of("target", "batch-fixture")).toAbsolutePath();
            org.apache.commons.io.FileUtils.cleanDirectory(dir.toFile());
            Path dataset = dir.resolve("digits");
            SyntheticDataset.write(spark, dataset.toString(), TRAIN, TEST, SEED, 2);
            long start = System.nanoTime();
            VcnModel model = train();
            double seconds = (System.nanoTime() - start) / 1e9;
            Path bundle = dir.resolve("digits.vcaps");
            try (OutputStream out = Files.newOutputStream(bundle)) {
                ModelBundle.write(model, out);
            }
            fixture = new TrainedFixture(dir, bundle, dataset, model, seconds);
        }
        return fixture;
    }

    private static VcnModel train() {
        VcnModel model = VcnModel.create(VcnConfig.parse(CONF, "test"), new ImageShape(28, 28, 1),
                SyntheticDataset.entities(), DataType.FLOAT);
        TrainingStep step = new TrainingStep(model, Nd4j.getRandomFactory().getNewRandomInstance(1));
        SyntheticDigits.Batch digits = SyntheticDataset.images(TRAIN, SEED, false);
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (int start = 0; start < TRAIN; start += BATCH) {
                step.fit(images(digits, start, BATCH), oneHot(digits, start, BATCH));
            }
        }
        // As vcaps train does after its last round: the bundle's samples come from the fitted entity priors.
        return model.withPriorsFittedTo(images(digits, 0, TRAIN), digits.labels());
    }

    /** Images [n, 784] in [0, 1] of {@code digits} from {@code start}. */
    public static INDArray images(SyntheticDigits.Batch digits, int start, int n) {
        float[] x = new float[n * 784];
        for (int b = 0; b < n; b++) {
            byte[] p = digits.pixels()[start + b];
            for (int i = 0; i < 784; i++) {
                x[b * 784 + i] = (p[i] & 0xff) / 255f;
            }
        }
        return Nd4j.create(x, new long[] {n, 784}, DataType.FLOAT);
    }

    static INDArray oneHot(SyntheticDigits.Batch digits, int start, int n) {
        INDArray t = Nd4j.zeros(DataType.FLOAT, n, 10);
        for (int b = 0; b < n; b++) {
            t.putScalar(b, digits.labels()[start + b], 1.0);
        }
        return t;
    }
}
