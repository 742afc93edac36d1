package io.vcaps.core.quality;

import io.vcaps.core.vcn.MultiLabelMeasures;
import io.vcaps.core.vcn.VcnModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How well a model synthesises sets of attributes, judged by a multi-label {@link IndependentClassifier} trained on
 * the same data: for each requested set S, N samples drawn with exactly S present and what the classifier finds in
 * them, beside what it finds in real held-out images; the Fréchet distance of all samples to the held-out images
 * beside the baselines of {@link SynthesisQuality} (each set's average training image repeated; real training
 * images); the samples' spread and the held-out reconstruction error.
 *
 * @param samplesPerSet       N samples drawn per set at temperature {@code temperature}
 * @param classifier          the classifier's held-out measures ({@link MultiLabelMeasures#means}, its score the
 *                            logit): how far its verdicts can be trusted
 * @param sets                one result per requested set, in the order requested
 * @param frechetSamples      Fréchet distance, all samples vs held-out images
 * @param frechetAverageImages the same for each set's average training image (the images showing all of S; every
 *                            image where none does) repeated N times
 * @param frechetRealImages   the same for N random training images per set
 * @param samplePixelStd      per-pixel standard deviation across one set's samples, averaged over pixels and sets
 * @param reconstructionError held-out sum of squared pixel errors per image, from the capsule means masked by the
 *                            predicted set
 */
public record MultiLabelQuality(int samplesPerSet, double temperature, Map<String, Double> classifier,
        List<SetResult> sets, double frechetSamples, double frechetAverageImages, double frechetRealImages,
        double samplePixelStd, double reconstructionError) {

    /**
     * What the classifier finds in the samples of one set S, and in real held-out images.
     *
     * @param entities              S, by name
     * @param requested             share of samples in which it finds every attribute of S
     * @param requestedReal         the same share over the held-out images that show all of S (NaN where none does):
     *                              the classifier's own ceiling
     * @param realImages            how many held-out images show all of S
     * @param unrequestedAbsent     share of samples in which it finds no attribute outside S
     * @param unrequestedAbsentReal the same share over the held-out images that show all of S: how often real images
     *                              of S show nothing else
     * @param unrequestedRate       mean over the attributes outside S of the share of samples in which it finds one
     * @param unrequestedRateReal   mean over the same attributes of the share of all held-out images in which it
     *                              finds one (their base rate, as the classifier sees it)
     */
    public record SetResult(List<String> entities, double requested, double requestedReal, long realImages,
            double unrequestedAbsent, double unrequestedAbsentReal, double unrequestedRate,
            double unrequestedRateReal) {
    }

    /**
     * Measures {@code model} on multi-label data.
     *
     * @param classifier   trained with {@link IndependentClassifier#trainMultiLabel}
     * @param train        train-split images [N, H*W*C] in [0, 1] and the attributes each shows (the baselines)
     * @param heldOut      held-out images and their attributes (the reference of every distance and rate)
     * @param requestedSets the sets to draw, each ascending model indices
     */
    public static MultiLabelQuality measure(VcnModel model, IndependentClassifier classifier, INDArray train,
            boolean[][] trainPresent, INDArray heldOut, boolean[][] heldOutPresent, int[][] requestedSets,
            int samplesPerSet, double temperature, long seed) {
        int n = samplesPerSet;
        int k = model.entities();
        FrechetDistance.Gaussian reference = FrechetDistance.Gaussian.of(classifier.features(heldOut));
        float[][] heldOutLogits = classifier.logits(heldOut);
        boolean[][] found = classifier.present(heldOut);
        MultiLabelMeasures judged = new MultiLabelMeasures(k);
        for (int i = 0; i < found.length; i++) {
            double[] score = new double[k];
            for (int a = 0; a < k; a++) {
                score[a] = -heldOutLogits[i][a];
            }
            judged.add(heldOutPresent[i], found[i], score);
        }
        double[] baseRate = new double[k];
        for (boolean[] f : found) {
            for (int a = 0; a < k; a++) {
                baseRate[a] += f[a] ? 1.0 / found.length : 0;
            }
        }

        INDArray samples = Nd4j.create(model.dataType(), (long) requestedSets.length * n, model.shape().pixels());
        List<SetResult> results = new ArrayList<>();
        int[][] groups = new int[requestedSets.length][];
        double pixelStd = 0;
        for (int s = 0; s < requestedSets.length; s++) {
            int[] set = requestedSets[s];
            INDArray images = model.synthesise(set, n, seed, temperature, 0).images();
            samples.get(NDArrayIndex.interval((long) s * n, (long) (s + 1) * n), NDArrayIndex.all()).assign(images);
            pixelStd += n > 1 ? images.std(true, 0).meanNumber().doubleValue() / requestedSets.length : 0;
            Rates sampled = Rates.of(classifier.present(images), set);
            int[] real = showing(heldOutPresent, set);
            boolean[][] realFound = new boolean[real.length][];
            for (int i = 0; i < real.length; i++) {
                realFound[i] = found[real[i]];
            }
            Rates ofReal = Rates.of(realFound, set);
            double outsideBase = 0;
            for (int a = 0; a < k; a++) {
                outsideBase += contains(set, a) ? 0 : baseRate[a] / (k - set.length);
            }
            results.add(new SetResult(Arrays.stream(set).mapToObj(model.entityNames()::get).toList(),
                    sampled.allRequested, ofReal.allRequested, real.length, sampled.noneOther, ofReal.noneOther,
                    sampled.otherRate, k == set.length ? Double.NaN : outsideBase));
            groups[s] = showing(trainPresent, set);
        }
        double frechetSamples = FrechetDistance.between(FrechetDistance.Gaussian.of(classifier.features(samples)),
                reference);
        double frechetAverages = FrechetDistance.between(FrechetDistance.Gaussian.of(classifier.features(
                SynthesisQuality.averagesRepeated(train, groups, n))), reference);
        double frechetReal = FrechetDistance.between(FrechetDistance.Gaussian.of(classifier.features(
                SynthesisQuality.randomRows(train, requestedSets.length * n, seed))), reference);
        double error = SynthesisQuality.reconstructionError(model, heldOut, true, (from, analysis) -> { });
        return new MultiLabelQuality(n, temperature, judged.means(), List.copyOf(results), frechetSamples,
                frechetAverages, frechetReal, pixelStd, error);
    }

    /** What the classifier found in a group of images, against set S. */
    private record Rates(double allRequested, double noneOther, double otherRate) {

        static Rates of(boolean[][] found, int[] set) {
            if (found.length == 0) {
                return new Rates(Double.NaN, Double.NaN, Double.NaN);
            }
            int k = found[0].length;
            double all = 0;
            double none = 0;
            double others = 0;
            for (boolean[] f : found) {
                boolean every = true;
                int outside = 0;
                for (int a = 0; a < k; a++) {
                    if (contains(set, a)) {
                        every &= f[a];
                    } else if (f[a]) {
                        outside++;
                    }
                }
                all += every ? 1 : 0;
                none += outside == 0 ? 1 : 0;
                others += k == set.length ? 0 : (double) outside / (k - set.length);
            }
            return new Rates(all / found.length, none / found.length,
                    k == set.length ? Double.NaN : others / found.length);
        }
    }

    /** The rows whose attributes include every entity of {@code set}. */
    private static int[] showing(boolean[][] present, int[] set) {
        return java.util.stream.IntStream.range(0, present.length)
                .filter(i -> Arrays.stream(set).allMatch(a -> present[i][a])).toArray();
    }

    private static boolean contains(int[] set, int a) {
        return Arrays.stream(set).anyMatch(e -> e == a);
    }
}
