package io.vcaps.core.quality;

import io.vcaps.core.vcn.VcnModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.SplittableRandom;

/**
 * How well a model synthesises, judged by an {@link IndependentClassifier} trained on the same data: the share of
 * its samples recognised as their entity, the Fréchet distance of their features to the held-out images' beside two
 * baselines from the same run (each entity's average training image repeated, which a prototype-per-entity
 * generator would score; real training images, what a perfect generator would score), how much samples of one
 * entity differ from each other, and the held-out reconstruction error.
 *
 * @param samplesPerEntity     N samples drawn per entity at temperature {@code temperature}
 * @param classifierAccuracy   the independent classifier's held-out accuracy (how far its verdicts can be trusted)
 * @param recognised           share of samples the classifier assigns to the entity they were drawn for
 * @param frechetSamples       Fréchet distance, samples vs held-out images
 * @param frechetAverageImages the same for each entity's average training image repeated N times
 * @param frechetRealImages    the same for N random training images per entity's worth
 * @param samplePixelStd       per-pixel standard deviation across one entity's samples, averaged over pixels and
 *                             entities (real MNIST digits: about 0.3; one prototype per entity: 0)
 * @param reconstructionError  held-out sum of squared pixel errors per image, reconstructing from the capsule means
 * @param accuracy             the model's own held-out accuracy (argmin KL)
 */
public record SynthesisQuality(int samplesPerEntity, double temperature, double classifierAccuracy, double recognised,
        double frechetSamples, double frechetAverageImages, double frechetRealImages, double samplePixelStd,
        double reconstructionError, double accuracy) {

    /**
     * Measures {@code model} on single-label data.
     *
     * @param train       train-split images [N, H*W*C] in [0, 1] and their labels (what the classifier and the
     *                    baselines use)
     * @param heldOut     held-out images and labels (the reference of every distance, and what is reconstructed)
     */
    public static SynthesisQuality measure(VcnModel model, IndependentClassifier classifier, INDArray train,
            int[] trainLabels, INDArray heldOut, int[] heldOutLabels, int samplesPerEntity, double temperature,
            long seed) {
        int k = model.entities();
        int n = samplesPerEntity;
        FrechetDistance.Gaussian reference = FrechetDistance.Gaussian.of(classifier.features(heldOut));

        int[] wanted = new int[k * n];
        INDArray samples = Nd4j.create(model.dataType(), (long) k * n, model.shape().pixels());
        double pixelStd = 0;
        for (int entity = 0; entity < k; entity++) {
            INDArray images = model.synthesise(new int[] {entity}, n, seed, temperature, 0).images();
            samples.get(NDArrayIndex.interval((long) entity * n, (long) (entity + 1) * n), NDArrayIndex.all())
                    .assign(images);
            for (int i = 0; i < n; i++) {
                wanted[entity * n + i] = entity;
            }
            pixelStd += n > 1 ? images.std(true, 0).meanNumber().doubleValue() / k : 0;
        }
        double recognised = classifier.accuracy(samples, wanted);
        double frechetSamples = FrechetDistance.between(FrechetDistance.Gaussian.of(classifier.features(samples)),
                reference);

        int[][] groups = new int[k][];
        for (int entity = 0; entity < k; entity++) {
            groups[entity] = rowsOf(trainLabels, entity);
        }
        double frechetAverages = FrechetDistance.between(FrechetDistance.Gaussian.of(classifier.features(
                averagesRepeated(train, groups, n))), reference);
        double frechetReal = FrechetDistance.between(
                FrechetDistance.Gaussian.of(classifier.features(randomRows(train, k * n, seed))), reference);

        int[] right = new int[1];
        double error = reconstructionError(model, heldOut, false, (from, analysis) -> {
            int[] predicted = analysis.classification().predicted();
            for (int i = 0; i < predicted.length; i++) {
                right[0] += predicted[i] == heldOutLabels[(int) from + i] ? 1 : 0;
            }
        });
        return new SynthesisQuality(n, temperature, classifier.accuracy(heldOut, heldOutLabels), recognised,
                frechetSamples, frechetAverages, frechetReal, pixelStd, error, (double) right[0] / heldOut.size(0));
    }

    /**
     * For each group of train rows, their average image repeated {@code n} times, one group after the other: what a
     * generator of one prototype per group would draw. An empty group takes the average of every train image.
     */
    static INDArray averagesRepeated(INDArray train, int[][] groups, int n) {
        INDArray averages = Nd4j.create(train.dataType(), (long) groups.length * n, train.size(1));
        for (int g = 0; g < groups.length; g++) {
            INDArray mean = groups[g].length == 0 ? train.mean(0) : train.getRows(groups[g]).mean(0);
            for (int i = 0; i < n; i++) {
                averages.getRow((long) g * n + i).assign(mean);
            }
        }
        return averages;
    }

    /** {@code count} train images drawn at random (with replacement) from {@code seed}. */
    static INDArray randomRows(INDArray train, int count, long seed) {
        int[] rows = new int[count];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < rows.length; i++) {
            rows[i] = random.nextInt((int) train.size(0));
        }
        return train.getRows(rows);
    }

    /** What each batch of held-out images, starting at row {@code from}, was analysed as. */
    interface Analysed {
        void accept(long from, VcnModel.Analysis analysis);
    }

    /**
     * The held-out sum of squared pixel errors per image, reconstructing from the capsule means (masked by the
     * predicted set on multi-label data), 500 images at a time; each batch's analysis also goes to {@code seen}.
     */
    static double reconstructionError(VcnModel model, INDArray heldOut, boolean multiLabel, Analysed seen) {
        double error = 0;
        for (long from = 0; from < heldOut.size(0); from += 500) {
            INDArray x = heldOut.get(NDArrayIndex.interval(from, Math.min(heldOut.size(0), from + 500)),
                    NDArrayIndex.all()).castTo(model.dataType());
            VcnModel.Analysis analysis = model.analyse(x, multiLabel);
            seen.accept(from, analysis);
            INDArray diff = analysis.reconstructions().subi(x);
            error += diff.muli(diff).sumNumber().doubleValue();
        }
        return error / heldOut.size(0);
    }

    private static int[] rowsOf(int[] labels, int entity) {
        return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == entity).toArray();
    }
}
