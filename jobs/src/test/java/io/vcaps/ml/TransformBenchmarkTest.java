package io.vcaps.ml;

import io.vcaps.bench.BatchBenchmark;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.jobs.TestSpark;
import io.vcaps.jobs.batch.TrainedFixture;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vcaps bench transform} on a few rows: both paths timed on the same rows, medians and their ratio. */
class TransformBenchmarkTest {
    @Test
    void timesTransformAgainstClassify() throws Exception {
        Map<String, Object> result = BatchBenchmark.transform(TestSpark.session(),
                VcnConfig.parse(TrainedFixture.CONF, "test"), 300, 64, 2, 2);
        System.out.println(result);
        assertEquals("transform", result.get("benchmark"));
        assertEquals(2, ((List<?>) result.get("classify_runs")).size());
        assertEquals(2, ((List<?>) result.get("transform_runs")).size());
        double classify = (Double) result.get("classify_img_per_s");
        double transform = (Double) result.get("transform_img_per_s");
        assertTrue(classify > 0 && transform > 0, result.toString());
        assertEquals(transform / classify, (Double) result.get("ratio"), 0.01);
    }
}
