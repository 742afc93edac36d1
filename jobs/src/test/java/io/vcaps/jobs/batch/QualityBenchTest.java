package io.vcaps.jobs.batch;

import io.vcaps.bench.QualityBench;
import io.vcaps.core.quality.SynthesisQuality;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.report.QualityMeasures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vcaps bench quality} on the trained fixture's real Parquet dataset and bundle: it runs, its measures are
 * in range, its independent classifier learns the data, and its baselines come out in the order they must.
 */
class QualityBenchTest {

    @Test
    void measuresSynthesisAgainstBaselinesFromTheSameRun() throws Exception {
        TrainedFixture fixture = TrainedFixture.get();
        SynthesisQuality q = QualityMeasures.measure(TestSpark.session(), fixture.dataset.toString(), fixture.model,
                new QualityMeasures.Settings(TrainedFixture.TRAIN, TrainedFixture.TEST, 3, 30, 1.0, 4));
        System.out.println("quality of the fixture: " + q);
        assertEquals(30, q.samplesPerEntity());
        assertTrue(q.classifierAccuracy() > 0.8, "the independent classifier should learn the digits: " + q);
        assertTrue(q.frechetRealImages() < q.frechetAverageImages(),
                "real training images must be nearer the test images than average images: " + q);
        assertTrue(q.recognised() >= 0 && q.recognised() <= 1 && Double.isFinite(q.frechetSamples()), q.toString());
        assertTrue(q.accuracy() > 0.2 && q.reconstructionError() > 0, "above chance (0.1): " + q);

        Cli cli = Cli.run(new QualityBench(), "--model", fixture.bundle.toString(), "--data",
                fixture.dataset.toString(), "--per-entity", "10", "--train-images", "300", "--held-out-images", "100",
                "--classifier-epochs", "1");
        assertEquals(0, cli.exit(), cli.err());
        Cli bad = Cli.run(new QualityBench(), "--model", fixture.bundle.toString(), "--data",
                fixture.dir.resolve("no-such-dataset").toString());
        assertEquals(1, bad.exit(), "a missing dataset is a failed job");
        assertTrue(bad.err().contains("no-such-dataset"), bad.err());
    }
}
