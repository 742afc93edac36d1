package io.vcaps.core.vcn;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A provenance's maps are written in one order whatever order they were built in, so bundle.json is too. */
class ProvenanceTest {

    @Test
    void mapsAreWrittenSortedWhateverTheirInsertionOrder() throws Exception {
        List<String> keys = List.of("vcaps", "java", "deeplearning4j", "train", "test", "zeta", "alpha");
        Map<String, String> forward = new LinkedHashMap<>();
        Map<String, String> backward = new LinkedHashMap<>();
        Map<String, Long> countsForward = new LinkedHashMap<>();
        Map<String, Long> countsBackward = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            forward.put(keys.get(i), "v" + i);
            countsForward.put(keys.get(i), (long) i);
            String k = keys.get(keys.size() - 1 - i);
            backward.put(k, "v" + keys.indexOf(k));
            countsBackward.put(k, (long) keys.indexOf(k));
        }
        ObjectMapper json = new ObjectMapper();
        String a = json.writeValueAsString(new Provenance("d", countsForward, 1, forward, 2, "t", null,
                countsForward));
        String b = json.writeValueAsString(new Provenance("d", countsBackward, 1, backward, 2, "t", null,
                countsBackward));
        assertEquals(a, b);
        assertEquals(List.of("alpha", "deeplearning4j", "java", "test", "train", "vcaps", "zeta"),
                List.copyOf(new Provenance("d", countsBackward, 1, backward, 2, "t", null, null).versions()
                        .keySet()));
    }
}
