package io.vcaps.core.bundle;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.vcaps.core.config.ConfigChecks;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.EntityNames;
import io.vcaps.core.vcn.EntityPriors;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.PresenceThresholds;
import io.vcaps.core.vcn.Provenance;
import io.vcaps.core.vcn.VcnModel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * One zip file holding a whole {@link VcnModel}: {@code bundle.json} (format version, image shape, entity names,
 * configuration as HOCON, provenance) and E, G and D each in DL4J's own {@code ModelSerializer} format
 * ({@code encoder.zip}, {@code generator.zip}, {@code discriminator.zip}, with updater state, written and read by
 * {@link NetworkFiles}), so plain DL4J can load any of them, and optionally {@code priors.json} (the fitted
 * {@link EntityPriors} synthesis draws from) and {@code thresholds.json} (the fitted {@link PresenceThresholds}).
 * Nothing is read by Java deserialization.
 */
public final class ModelBundle {

    /** 2: G may read the entity mask beside the capsules ({@code model.generator.condition}). */
    public static final int FORMAT_VERSION = 2;
    /** Version 1 bundles predate the key; their generators read the masked capsules alone. */
    private static final String VERSION_1_GENERATOR = "vcaps.model.generator.condition = false";
    private static final String HEADER = "bundle.json";
    /** Optional: the fitted entity priors synthesis draws from; a bundle without it samples N(0, I). */
    private static final String PRIORS = "priors.json";
    /** Optional: the presence thresholds fitted after training; without it presence is KL under one tau. */
    private static final String THRESHOLDS = "thresholds.json";
    private static final String[] NETWORKS = {"encoder.zip", "generator.zip", "discriminator.zip"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelBundle() {
    }

    public static void write(VcnModel model, OutputStream out) throws IOException {
        String problem = EntityNames.problem(model.entityNames(), "entity");
        if (problem != null) {
            throw new IOException("cannot write a bundle no job could read: " + problem);
        }
        ZipOutputStream zip = new ZipOutputStream(out);
        ObjectNode header = JSON.createObjectNode();
        header.put("format", "vcaps-bundle");
        header.put("version", FORMAT_VERSION);
        header.putObject("shape").put("height", model.shape().height()).put("width", model.shape().width())
                .put("channels", model.shape().channels());
        header.putPOJO("entities", model.entityNames());
        header.put("config", model.config().toHocon());
        header.set("provenance", JSON.valueToTree(model.provenance()));
        zip.putNextEntry(new ZipEntry(HEADER));
        zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(header));
        zip.closeEntry();
        if (model.priors().isPresent()) {
            EntityPriors p = model.priors().get();
            long[] counts = new long[p.entities()];
            double[][] mean = new double[p.entities()][];
            double[][][] cholesky = new double[p.entities()][][];
            for (int e = 0; e < counts.length; e++) {
                counts[e] = p.count(e);
                mean[e] = p.mean(e);
                cholesky[e] = p.cholesky(e);
            }
            zip.putNextEntry(new ZipEntry(PRIORS));
            zip.write(JSON.writeValueAsBytes(new PriorsFile(counts, mean, cholesky, p.sets().stream()
                    .map(t -> new SetFile(t.entities(), t.count(), t.mean(), t.cholesky())).toList())));
            zip.closeEntry();
        }
        if (model.thresholds().isPresent()) {
            PresenceThresholds t = model.thresholds().get();
            zip.putNextEntry(new ZipEntry(THRESHOLDS));
            zip.write(JSON.writeValueAsBytes(new ThresholdsFile(t.tau(), t.positives(), t.negatives())));
            zip.closeEntry();
        }
        MultiLayerNetwork[] nets = {model.encoder(), model.generator(), model.discriminator()};
        for (int i = 0; i < nets.length; i++) {
            ByteArrayOutputStream network = new ByteArrayOutputStream();
            NetworkFiles.write(nets[i], network);
            NetworkFiles.stored(zip, NETWORKS[i], network.toByteArray());
        }
        zip.finish();
        zip.flush();
    }

    /**
     * Reads a bundle, checking its format version and that its networks fit its image shape.
     *
     * @param where names the source in error messages
     */
    public static VcnModel read(InputStream in, String where) throws IOException {
        return read(in, where, true);
    }

    /**
     * Reads a bundle as {@link #read(InputStream, String)} does, but leaves the networks' optimiser state fresh:
     * for classification and synthesis, which never take a training step.
     */
    public static VcnModel readForInference(InputStream in, String where) throws IOException {
        return read(in, where, false);
    }

    private static VcnModel read(InputStream in, String where, boolean updaterState) throws IOException {
        Map<String, byte[]> entries;
        try {
            entries = NetworkFiles.entries(in);
        } catch (IOException e) {
            throw new IOException(where + " is not a readable vcaps bundle: " + e.getMessage(), e);
        }
        byte[] headerBytes = entries.get(HEADER);
        if (headerBytes == null) {
            throw new IOException(where + " is not a vcaps bundle: it has no " + HEADER
                    + (entries.isEmpty() ? " (not a zip file, or empty)" : " (entries: " + entries.keySet() + ")"));
        }
        JsonNode header = JSON.readTree(headerBytes);
        if (!"vcaps-bundle".equals(header.path("format").asText())) {
            throw new IOException(where + ": " + HEADER + " does not describe a vcaps bundle");
        }
        int version = header.path("version").asInt(-1);
        if (version != 1 && version != FORMAT_VERSION) {
            throw new IOException(where + ": bundle format version " + version + ", this vcaps reads versions 1 to "
                    + FORMAT_VERSION);
        }
        ImageShape shape;
        List<String> entities = new ArrayList<>();
        header.path("entities").forEach(n -> entities.add(n.asText()));
        try {
            shape = BundleLimits.shape(header.path("shape").path("height").asInt(),
                    header.path("shape").path("width").asInt(), header.path("shape").path("channels").asInt());
            BundleLimits.checkEntities(entities);
        } catch (IOException e) {
            throw new IOException(where + ": " + HEADER + " " + e.getMessage(), e);
        }
        String configText = header.path("config").asText();
        VcnConfig config;
        try {
            if (version == 1) {
                configText = ConfigFactory.parseString(VERSION_1_GENERATOR)
                        .withFallback(ConfigChecks.parseData(configText, where + " (bundle configuration)")).root()
                        .render();
            }
            config = VcnConfig.parse(configText, where + " (bundle configuration)");
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        Provenance provenance = JSON.treeToValue(header.path("provenance"), Provenance.class);
        MultiLayerNetwork[] nets = new MultiLayerNetwork[NETWORKS.length];
        for (int i = 0; i < NETWORKS.length; i++) {
            byte[] bytes = entries.get(NETWORKS[i]);
            if (bytes == null) {
                throw new IOException(where + ": bundle lacks " + NETWORKS[i]);
            }
            try {
                nets[i] = NetworkFiles.read(bytes, updaterState);
            } catch (IOException | RuntimeException e) {
                throw new IOException(where + ": " + NETWORKS[i] + " is not a readable network: "
                        + e.getMessage(), e);
            }
        }
        long encoderInputs = inputs(nets[0]);
        if (encoderInputs != shape.pixels()) {
            throw new IOException(where + ": the encoder reads " + encoderInputs + " values per image but the bundle"
                    + " declares images of " + shape + " (" + shape.pixels() + ")");
        }
        long generatorInputs = inputs(nets[1]);
        long expected = (long) entities.size() * config.encoder().latentDim()
                + (config.generator().condition() ? entities.size() : 0);
        if (generatorInputs != expected) {
            throw new IOException(where + ": the generator reads " + generatorInputs + " values but the bundle's"
                    + " configuration (" + entities.size() + " entities of " + config.encoder().latentDim()
                    + " dimensions, generator.condition = " + config.generator().condition() + ") gives " + expected);
        }
        VcnModel model = new VcnModel(config, shape, entities, nets[0], nets[1], nets[2], provenance);
        byte[] priors = entries.get(PRIORS);
        if (priors != null) {
            try {
                PriorsFile p = JSON.readValue(priors, PriorsFile.class);
                model = model.withPriors(new EntityPriors(p.counts(), p.mean(), p.cholesky(), p.sets() == null
                        ? List.of() : p.sets().stream().map(t -> t == null ? null : new EntityPriors.SetPrior(
                                t.entities(), t.count(), t.mean(), t.cholesky())).toList()));
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException(where + ": " + PRIORS + " is not usable: " + e.getMessage(), e);
            }
        }
        byte[] thresholds = entries.get(THRESHOLDS);
        if (thresholds != null) {
            try {
                ThresholdsFile t = JSON.readValue(thresholds, ThresholdsFile.class);
                model = model.withThresholds(new PresenceThresholds(t.tau(), t.positives(), t.negatives()));
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException(where + ": " + THRESHOLDS + " is not usable: " + e.getMessage(), e);
            }
        }
        return model;
    }

    /**
     * priors.json: each entity's image count, mean m_k and Cholesky factor L_k; {@code sets} (absent in bundles
     * written before set priors) the priors of co-occurring pairs.
     */
    private record PriorsFile(long[] counts, double[][] mean, double[][][] cholesky,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<SetFile> sets) {
    }

    /** One pair's prior in priors.json: its entities, image count, and per member the mean and Cholesky factor. */
    private record SetFile(int[] entities, long count, double[][] mean, double[][][] cholesky) {
    }

    /** thresholds.json: each entity's tau_k and the images of the sample that showed it and did not. */
    private record ThresholdsFile(double[] tau, long[] positives, long[] negatives) {
    }

    private static long inputs(MultiLayerNetwork net) {
        return net.getLayerWiseConfigurations().getConf(0).getLayer()
                instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer f ? f.getNIn() : -1;
    }
}
