package io.vcaps.core.vcn;

import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.data.SyntheticDigits;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model learns: it overfits a handful of images, and generalises from 2,000 MNIST-shaped digits. */
class LearningTest {

    static final ImageShape MNIST = new ImageShape(28, 28, 1);
    static final List<String> DIGITS = IntStream.range(0, 10).mapToObj(String::valueOf).toList();

    /** A reduced encoder, so that learning tests take seconds on two cores. */
    static VcnConfig tiny(double beta) {
        return VcnConfig.parse("""
                vcaps {
                  model { conv1 { filters = 16, kernel = 5 }, primary { channels = 8, dim = 8, kernel = 5, stride = 2 }
                          generator { channels = 16 }, discriminator { channels = [8, 16] } }
                  loss { beta = %s }
                  optimizer.encoder-generator.learning-rate = 0.002
                  training { batch-size = 32, seed = 5 }
                }
                """.formatted(beta), "tiny");
    }

    static INDArray images(SyntheticDigits.Batch batch) {
        INDArray x = Nd4j.create(DataType.FLOAT, batch.size(), MNIST.pixels());
        for (int i = 0; i < batch.size(); i++) {
            byte[] p = batch.pixels()[i];
            float[] row = new float[p.length];
            for (int j = 0; j < p.length; j++) {
                row[j] = (p[j] & 0xFF) / 255f;
            }
            x.putRow(i, Nd4j.createFromArray(row));
        }
        return x;
    }

    static INDArray oneHot(int[] labels) {
        INDArray t = Nd4j.zeros(DataType.FLOAT, labels.length, 10);
        for (int i = 0; i < labels.length; i++) {
            t.putScalar(i, labels[i], 1.0);
        }
        return t;
    }

    static double accuracy(VcnModel model, INDArray x, int[] labels) {
        int[] predicted = model.classify(x).predicted();
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            right += predicted[i] == labels[i] ? 1 : 0;
        }
        return right / (double) labels.length;
    }

    /** Trains for {@code epochs} passes over (x, labels) in minibatches of the configured size. */
    static StepLosses train(VcnModel model, INDArray x, int[] labels, int epochs) {
        TrainingStep step = new TrainingStep(model, Nd4j.getRandomFactory().getNewRandomInstance(9));
        INDArray t = oneHot(labels);
        int batch = model.config().batchSize();
        StepLosses last = null;
        for (int e = 0; e < epochs; e++) {
            for (int from = 0; from + batch <= labels.length; from += batch) {
                last = step.fit(x.get(NDArrayIndex.interval(from, from + batch), NDArrayIndex.all()),
                        t.get(NDArrayIndex.interval(from, from + batch), NDArrayIndex.all()));
                assertTrue(last.isFinite(), "losses went non-finite: " + last);
            }
        }
        return last;
    }

    @Test
    void overfitsSixtyFourImages() {
        VcnModel model = VcnModel.create(tiny(0.01), MNIST, DIGITS, DataType.FLOAT);
        SyntheticDigits.Batch data = SyntheticDigits.generate(64, 1);
        INDArray x = images(data);
        StepLosses first = train(model, x, data.labels(), 1);
        StepLosses last = train(model, x, data.labels(), 40);
        System.out.printf("overfit 64: reconstruction %.2f -> %.2f, margin %.2f -> %.2f, D loss %.3f%n",
                first.reconstruction(), last.reconstruction(), first.margin(), last.margin(), last.discriminator());
        assertEquals(1.0, accuracy(model, x, data.labels()), "training accuracy on 64 images");
        assertTrue(last.reconstruction() < 0.8 * first.reconstruction(),
                "reconstruction error should fall: " + first.reconstruction() + " -> " + last.reconstruction());
        assertTrue(last.klPresent() < last.klAbsent(), "present capsules should have the smaller KL: " + last);
    }

    @Test
    void generalisesFromTwoThousandDigits() {
        VcnModel model = VcnModel.create(tiny(0.0), MNIST, DIGITS, DataType.FLOAT);
        SyntheticDigits.Batch train = SyntheticDigits.generate(2000, 2);
        SyntheticDigits.Batch heldOut = SyntheticDigits.generate(500, 3);
        train(model, images(train), train.labels(), 3);
        double accuracy = accuracy(model, images(heldOut), heldOut.labels());
        System.out.printf("2000 digits, 3 epochs: held-out accuracy %.3f%n", accuracy);
        assertTrue(accuracy > 0.8, "held-out accuracy " + accuracy + " (chance is 0.1)");
    }

    /**
     * The generator reads its input: after training on 200 digits, reconstructions of different images of one
     * entity differ as the images do, and their error is below reconstructing every image as its entity's average
     * image, the best that a generator that ignores the capsules and knows only the entity can do (a generator
     * that ignores its input gives identical reconstructions within an entity: spread 0, error at or above it).
     */
    @Test
    void reconstructionsCarryTheImageNotJustItsEntity() {
        VcnModel model = VcnModel.create(tiny(0.0), MNIST, DIGITS, DataType.FLOAT);
        SyntheticDigits.Batch data = SyntheticDigits.generate(200, 6);
        INDArray x = images(data);
        train(model, x, data.labels(), 30);
        INDArray reconstructions = model.reconstruct(x, false);
        double error = squaredError(reconstructions, x);
        INDArray averages = x.dup();
        double inputSpread = 0;
        double reconstructionSpread = 0;
        for (int digit = 0; digit < 10; digit++) {
            int d = digit;
            int[] rows = IntStream.range(0, data.size()).filter(i -> data.labels()[i] == d).toArray();
            INDArray mean = x.getRows(rows).mean(0);
            for (int row : rows) {
                averages.putRow(row, mean);
            }
            inputSpread += x.getRows(rows).std(0).meanNumber().doubleValue() / 10;
            reconstructionSpread += reconstructions.getRows(rows).std(0).meanNumber().doubleValue() / 10;
        }
        double baseline = squaredError(averages, x);
        System.out.printf("200 digits: reconstruction error %.2f, entity-average baseline %.2f; per-pixel spread"
                + " within an entity %.3f (inputs %.3f)%n", error, baseline, reconstructionSpread, inputSpread);
        assertTrue(error < 0.9 * baseline, "reconstruction error " + error + " should be well below the"
                + " entity-average baseline " + baseline);
        assertTrue(reconstructionSpread > 0.2 * inputSpread, "reconstructions of one entity should differ as its"
                + " images do: spread " + reconstructionSpread + " against the inputs' " + inputSpread);
    }

    private static double squaredError(INDArray a, INDArray b) {
        INDArray d = a.sub(b);
        return d.muli(d).sumNumber().doubleValue() / a.size(0);
    }
}
