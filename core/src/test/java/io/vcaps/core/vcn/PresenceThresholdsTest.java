package io.vcaps.core.vcn;

import com.typesafe.config.ConfigFactory;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.data.SyntheticDigits;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fitted thresholds make the fewest errors on their sample, travel in the bundle and decide presence. */
class PresenceThresholdsTest {

    /**
     * Sorted, the scores read 1+ 2+ 3+ 5- 10+ 20- 30-: all absent makes 4 errors; tau in (3, 5) and in (10, 20)
     * make 1 each, every other cut more. Of the two, the midpoint nearer the fallback wins.
     */
    @Test
    void theFewestErrorsTiesGoingToTheFallback() {
        float[] present = {10, 1, 3, 2};
        float[] absent = {30, 5, 20};
        assertEquals(15, PresenceThresholds.fit(present, absent, 44), 1e-12);
        assertEquals(4, PresenceThresholds.fit(present, absent, 3), 1e-12);
        assertEquals(44, PresenceThresholds.fit(present, new float[0], 44), 1e-12, "never absent: the fallback");
        assertEquals(44, PresenceThresholds.fit(new float[0], absent, 44), 1e-12, "never present: the fallback");
        // Separable scores: any cut between the classes is right on every image; the nearest to the fallback
        // is the midpoint of the gap.
        assertEquals(6.5, PresenceThresholds.fit(new float[] {1, 2, 3}, new float[] {10, 11}, 44), 1e-12);
        // Ties in the scores cannot be split: 2 shows once present and once absent, so one of them is wrong.
        assertEquals(3.5, PresenceThresholds.fit(new float[] {1, 2}, new float[] {2, 5}, 44), 1e-12);
    }

    @Test
    void aSampleMergedFromPartsFitsAsTheWhole() {
        PresenceThresholds.Sample whole = new PresenceThresholds.Sample(2);
        PresenceThresholds.Sample first = new PresenceThresholds.Sample(2);
        PresenceThresholds.Sample second = new PresenceThresholds.Sample(2);
        double[][] kl = {{1, 50}, {60, 2}, {3, 70}, {55, 4}, {80, 90}};
        boolean[][] truth = {{true, false}, {false, true}, {true, false}, {false, true}, {false, false}};
        for (int i = 0; i < kl.length; i++) {
            whole.add(kl[i], truth[i]);
            (i < 2 ? first : second).add(kl[i], truth[i]);
        }
        PresenceThresholds t = first.merge(second).fit(44);
        assertArrayEquals(whole.fit(44).tau(), t.tau());
        assertArrayEquals(new double[] {(3 + 55) / 2.0, (4 + 50) / 2.0}, t.tau(), 1e-12);
        assertEquals(2, t.positives()[0]);
        assertEquals(3, t.negatives()[1]);
        assertEquals(Map.of(), t.unfitted(List.of("a", "b")));
        assertEquals(Map.of("b", "never present"),
                new PresenceThresholds(new double[] {1, 2}, new long[] {3, 0}, new long[] {2, 5})
                        .unfitted(List.of("a", "b")));
        assertThrows(IllegalArgumentException.class,
                () -> new PresenceThresholds(new double[] {Double.NaN}, new long[] {1}, new long[] {1}));
    }

    @Test
    void autoDecidesByTheFittedThresholdsANumberOverridesThemAndTheBundleKeepsThem() throws IOException {
        VcnModel model = VcnModel.create(LearningTest.tiny(0.01), LearningTest.MNIST, LearningTest.DIGITS,
                DataType.FLOAT);
        INDArray images = LearningTest.images(SyntheticDigits.generate(16, 7));
        double[][] kl = model.classify(images).kl();
        // Each entity's threshold sits just above (even k) or just below (odd k) its capsule's KL on image 0.
        double[] tau = new double[model.entities()];
        for (int k = 0; k < tau.length; k++) {
            tau[k] = kl[0][k] + 1e-3 * (k % 2 == 0 ? 1 : -1);
        }
        long[] counts = new long[tau.length];
        java.util.Arrays.fill(counts, 5);
        VcnModel fitted = model.withThresholds(new PresenceThresholds(tau, counts, counts));
        Classification c = fitted.classify(images);
        for (int b = 0; b < kl.length; b++) {
            for (int k = 0; k < tau.length; k++) {
                assertEquals(c.kl()[b][k] < tau[k], c.present()[b][k], "image " + b + ", entity " + k);
            }
        }
        for (int k = 0; k < tau.length; k++) {
            assertEquals(k % 2 == 0, c.present()[0][k], "image 0 lies just under the even entities' thresholds");
        }
        double midpoint = model.config().presenceThreshold();
        assertArrayEquals(java.util.stream.DoubleStream.generate(() -> midpoint).limit(tau.length).toArray(),
                model.presenceThresholds(), "without fitted thresholds: (m+ + m-) / 2 for every entity");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelBundle.write(fitted.withPriors(null), bytes);
        VcnModel loaded = ModelBundle.read(new ByteArrayInputStream(bytes.toByteArray()), "fitted.zip");
        assertArrayEquals(tau, loaded.presenceThresholds(), "withPriors keeps the thresholds, the bundle too");
        assertEquals(5, loaded.thresholds().orElseThrow().positives()[3]);

        VcnConfig fixed = VcnConfig.parse(ConfigFactory.parseString("vcaps.inference.threshold = 7.5")
                .withFallback(ConfigFactory.parseString(model.config().toHocon())).root().render(), "fixed");
        VcnModel configured = new VcnModel(fixed, model.shape(), model.entityNames(), model.encoder(),
                model.generator(), model.discriminator(), model.provenance()).withThresholds(
                        loaded.thresholds().orElseThrow());
        for (double t : configured.presenceThresholds()) {
            assertEquals(7.5, t, "a configured number is used as it is");
        }
        assertTrue(fitted.thresholds().isPresent() && model.thresholds().isEmpty(), "withThresholds copies");
    }
}
