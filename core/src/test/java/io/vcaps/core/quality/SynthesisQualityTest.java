package io.vcaps.core.quality;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.data.SyntheticDigits;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The synthesis measures on synthetic digits: the independent classifier learns them, and the two baselines come
 * out in the order they must (real training images close to the held-out ones, average images far), whatever the
 * model.
 */
class SynthesisQualityTest {

    private static final ImageShape MNIST = new ImageShape(28, 28, 1);

    private static INDArray images(SyntheticDigits.Batch batch) {
        float[] x = new float[batch.size() * MNIST.pixels()];
        for (int i = 0; i < batch.size(); i++) {
            byte[] p = batch.pixels()[i];
            for (int j = 0; j < p.length; j++) {
                x[i * MNIST.pixels() + j] = (p[j] & 0xFF) / 255f;
            }
        }
        return Nd4j.create(x, new long[] {batch.size(), MNIST.pixels()}, 'c');
    }

    @Test
    void classifierLearnsAndBaselinesAreOrdered() {
        SyntheticDigits.Batch train = SyntheticDigits.generate(2000, 21);
        SyntheticDigits.Batch heldOut = SyntheticDigits.generate(500, 22);
        IndependentClassifier classifier = IndependentClassifier.create(MNIST, 10, 3)
                .train(images(train), train.labels(), 6, 3);
        assertTrue(classifier.accuracy(images(heldOut), heldOut.labels()) > 0.9,
                "the independent classifier should learn synthetic digits");

        VcnConfig config = VcnConfig.parse("""
                vcaps.model { conv1 { filters = 8, kernel = 5 }, primary { channels = 4, dim = 8, kernel = 5 }
                              generator { channels = 8 }, discriminator { channels = [4, 8] } }
                """, "test");
        List<String> digits = IntStream.range(0, 10).mapToObj(String::valueOf).toList();
        VcnModel untrained = VcnModel.create(config, MNIST, digits, DataType.FLOAT);
        SynthesisQuality q = SynthesisQuality.measure(untrained, classifier, images(train), train.labels(),
                images(heldOut), heldOut.labels(), 20, 1.0, 5);
        assertEquals(20, q.samplesPerEntity());
        assertTrue(q.frechetRealImages() < q.frechetAverageImages(),
                "real images must be nearer the held-out ones than average images: " + q);
        assertTrue(q.frechetRealImages() >= 0 && Double.isFinite(q.frechetSamples()), q.toString());
        assertTrue(q.recognised() >= 0 && q.recognised() <= 1, q.toString());
        assertTrue(q.reconstructionError() > 0 && q.samplePixelStd() >= 0, q.toString());
    }

    /** Three attributes of a digit: even, odd, and "big" (5 to 9). */
    private static boolean[][] attributes(SyntheticDigits.Batch batch) {
        boolean[][] present = new boolean[batch.size()][];
        for (int i = 0; i < present.length; i++) {
            int d = batch.labels()[i];
            present[i] = new boolean[] {d % 2 == 0, d % 2 == 1, d >= 5};
        }
        return present;
    }

    /**
     * The multi-label measures on digits with three attributes: the sigmoid classifier learns them (its recognition
     * of real images of each set is high), and every rate is what its definition gives when recomputed from the
     * classifier's verdicts on the same samples and held-out images.
     */
    @Test
    void multiLabelRatesAreWhatTheClassifierFinds() {
        SyntheticDigits.Batch train = SyntheticDigits.generate(2000, 31);
        SyntheticDigits.Batch heldOut = SyntheticDigits.generate(400, 32);
        boolean[][] trainPresent = attributes(train);
        boolean[][] heldOutPresent = attributes(heldOut);
        IndependentClassifier classifier = IndependentClassifier.createMultiLabel(MNIST, 3, 3)
                .trainMultiLabel(images(train), trainPresent, 4, 3);
        VcnConfig config = VcnConfig.parse("""
                vcaps.model { conv1 { filters = 8, kernel = 5 }, primary { channels = 4, dim = 8, kernel = 5 }
                              generator { channels = 8 }, discriminator { channels = [4, 8] } }
                """, "test");
        VcnModel untrained = VcnModel.create(config, MNIST, List.of("even", "odd", "big"), DataType.FLOAT);
        int[][] sets = {{0}, {2}, {1, 2}};
        MultiLabelQuality q = MultiLabelQuality.measure(untrained, classifier, images(train), trainPresent,
                images(heldOut), heldOutPresent, sets, 20, 1.0, 5);
        System.out.println("multi-label quality of an untrained model: " + q);

        assertTrue(q.classifier().get("mean_balanced_accuracy") > 0.85, "the classifier learns: " + q.classifier());
        assertEquals(3, q.sets().size());
        assertEquals(List.of("odd", "big"), q.sets().get(2).entities());
        boolean[][] found = classifier.present(images(heldOut));
        for (int s = 0; s < sets.length; s++) {
            MultiLabelQuality.SetResult r = q.sets().get(s);
            int[] set = sets[s];
            // Measured 0.99 (even), 0.85 (big), 0.87 (odd and big), the classifier's mean balanced accuracy 0.96.
            assertTrue(r.requestedReal() > 0.8, "real images of " + r.entities() + " are recognised: " + r);
            boolean[][] sampled = classifier.present(untrained.synthesise(set, 20, 5, 1.0, 0).images());
            double requested = 0;
            double noneOther = 0;
            for (boolean[] f : sampled) {
                requested += IntStream.of(set).allMatch(a -> f[a]) ? 1 / 20.0 : 0;
                noneOther += IntStream.range(0, 3).noneMatch(a -> f[a] && IntStream.of(set).noneMatch(e -> e == a))
                        ? 1 / 20.0 : 0;
            }
            assertEquals(requested, r.requested(), 1e-9, r.toString());
            assertEquals(noneOther, r.unrequestedAbsent(), 1e-9, r.toString());
            long real = IntStream.range(0, heldOutPresent.length)
                    .filter(i -> IntStream.of(set).allMatch(a -> heldOutPresent[i][a])).count();
            assertEquals(real, r.realImages());
            double base = IntStream.range(0, 3).filter(a -> IntStream.of(set).noneMatch(e -> e == a))
                    .mapToDouble(a -> IntStream.range(0, found.length).filter(i -> found[i][a]).count()
                            / (double) found.length).average().orElseThrow();
            assertEquals(base, r.unrequestedRateReal(), 1e-9, r.toString());
        }
        MultiLabelQuality.SetResult even = q.sets().get(0);
        assertEquals(0.6, even.unrequestedAbsentReal(), 0.1, "0, 2, 4 of the even digits show nothing else: " + even);
        assertTrue(q.frechetRealImages() < q.frechetAverageImages(), q.toString());
        assertTrue(Double.isFinite(q.frechetSamples()) && q.reconstructionError() > 0, q.toString());
    }
}
