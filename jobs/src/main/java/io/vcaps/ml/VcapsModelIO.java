package io.vcaps.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vcaps.spark.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A saved {@link VcapsModel}: {@code metadata/} as Spark's {@code DefaultParamsWriter} writes it (one line of JSON:
 * class, uid, timestamp, sparkVersion, paramMap, defaultParamMap), which is what a saved {@code Pipeline} reads to
 * find the stage's class, and {@code bundle/model.zip}, the bundle file unchanged.
 */
final class VcapsModelIO {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METADATA = "metadata";
    private static final String BUNDLE = "bundle/model.zip";

    private VcapsModelIO() {
    }

    static final class Writer extends MLWriter {
        private final VcapsModel model;

        Writer(VcapsModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            ObjectNode metadata = JSON.createObjectNode();
            metadata.put("class", VcapsModel.class.getName());
            metadata.put("timestamp", System.currentTimeMillis());
            metadata.put("sparkVersion", sc().version());
            metadata.put("uid", model.uid());
            ObjectNode set = metadata.putObject("paramMap");
            ObjectNode defaults = metadata.putObject("defaultParamMap");
            for (Param<?> p : model.params()) {
                @SuppressWarnings("unchecked")
                Param<Object> param = (Param<Object>) p;
                try {
                    if (model.isSet(param)) {
                        set.set(param.name(), JSON.readTree(param.jsonEncode(model.getOrDefault(param))));
                    }
                    if (model.hasDefault(param)) {
                        defaults.set(param.name(), JSON.readTree(param.jsonEncode(model.getDefault(param).get())));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            JavaSparkContext.fromSparkContext(sc()).parallelize(List.of(metadata.toString()), 1)
                    .saveAsTextFile(new Path(path, METADATA).toString());
            try {
                HadoopFiles.write(sc().hadoopConfiguration(), new Path(path, BUNDLE), model.bundleBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the bundle of " + path + ": " + e.getMessage(), e);
            }
        }
    }

    static final class Reader extends MLReader<VcapsModel> {
        @Override
        public VcapsModel load(String path) {
            String line = JavaSparkContext.fromSparkContext(sc()).textFile(new Path(path, METADATA).toString(), 1)
                    .first();
            Configuration conf = sc().hadoopConfiguration();
            Path bundle = new Path(path, BUNDLE);
            try {
                JsonNode metadata = JSON.readTree(line);
                String className = metadata.path("class").asText();
                if (!className.equals(VcapsModel.class.getName())) {
                    throw new IllegalArgumentException(path + " holds a " + className + ", not a "
                            + VcapsModel.class.getName());
                }
                VcapsModel model = VcapsModel.fromBytes(metadata.path("uid").asText(), HadoopFiles.read(conf, bundle),
                        bundle.toString());
                ParamMap set = new ParamMap();
                for (Iterator<Map.Entry<String, JsonNode>> it = metadata.path("paramMap").fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    @SuppressWarnings("unchecked")
                    Param<Object> param = (Param<Object>) model.getParam(entry.getKey());
                    set.put(param, param.jsonDecode(entry.getValue().toString()));
                }
                return model.copy(set);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the vcaps model saved at " + path + ": "
                        + e.getMessage(), e);
            }
        }
    }
}
