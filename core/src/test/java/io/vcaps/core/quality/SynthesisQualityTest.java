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
}
