package io.vcaps.jobs.run;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of {@code metrics.jsonl}: a {@code type}, the {@code round} it belongs to, and the fields of its type.
 * Each type's record is the one place its field names are spelt: {@link #fields()} is what {@link MetricsLog}
 * writes, {@link #parse} reads it back.
 */
public sealed interface MetricsLine {

    String type();

    long round();

    /** The fields after {@code type} and {@code round}, in the order they are written. */
    Map<String, Object> fields();

    /** The line of {@code node}'s type; null for a type this version does not know. */
    static MetricsLine parse(JsonNode node) {
        long round = node.path("round").asLong();
        return switch (node.path("type").asText()) {
            case Start.TYPE -> new Start(round, node.path(Start.DATASET).asText(null), rest(node, Map.of()));
            case Rounds.TYPE -> new Rounds(round, RoundStats.from(node), number(node, Rounds.ELAPSED));
            case NonFinite.TYPE -> new NonFinite(round, RoundStats.from(node),
                    ints(node.path(NonFinite.WORKERS)), node.path(NonFinite.ROUNDS).asInt(),
                    node.path(NonFinite.ACTION).asText());
            case Eval.TYPE -> new Eval(round, number(node, Eval.EPOCH), number(node, Eval.ACCURACY),
                    number(node, Eval.RECONSTRUCTION_ERROR), node.path(Eval.EXAMPLES).asLong(),
                    node.path(Eval.FINAL).asBoolean());
            case Checkpointed.TYPE -> new Checkpointed(round, node.path(Checkpointed.PATH).asText(),
                    number(node, Checkpointed.EPOCH));
            default -> null;
        };
    }

    /** A number field; NaN where it was not finite (written as null) or is missing. */
    private static double number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isNumber() ? value.asDouble() : Double.NaN;
    }

    private static List<Integer> ints(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asInt).toList();
    }

    /** The fields of {@code node} other than type, round and {@code known}, as plain Java values. */
    private static Map<String, Object> rest(JsonNode node, Map<String, ?> known) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            if (!name.equals("type") && !name.equals("round") && !known.containsKey(name)) {
                out.put(name, RunDirectory.JSON.convertValue(field.getValue(), Object.class));
            }
        }
        return out;
    }

    /**
     * A run started or resumed: the dataset it trains on and its settings (shard sizes, batch size, seed, rounds,
     * the training keys, workers, ...), kept as written.
     */
    record Start(long round, String dataset, Map<String, Object> settings) implements MetricsLine {
        static final String TYPE = "start";
        static final String DATASET = "dataset";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put(DATASET, dataset);
            settings.forEach((k, v) -> {
                if (!k.equals(DATASET)) {
                    f.put(k, v);
                }
            });
            return f;
        }
    }

    /**
     * What one round did, averaged or not: the example-weighted mean of every loss term over the round's local
     * steps (names as the training step reports them, KL terms prefixed {@code kl_}), throughput and time.
     */
    record RoundStats(double epoch, long examples, int workers, Map<String, Double> losses, double imagesPerSecond,
                      double seconds, double overheadSeconds, double learningRateScale) {
        static final String EPOCH = "epoch";
        static final String EXAMPLES = "examples";
        static final String WORKERS = "workers";
        static final String IMAGES_PER_S = "images_per_s";
        static final String SECONDS = "seconds";
        static final String OVERHEAD = "overhead_s";
        static final String LEARNING_RATE_SCALE = "learning_rate_scale";
        /** Fields of a round's line that are not loss terms. */
        private static final List<String> NOT_LOSSES = List.of("type", "round", EPOCH, EXAMPLES, WORKERS,
                IMAGES_PER_S, SECONDS, OVERHEAD, Rounds.ELAPSED, LEARNING_RATE_SCALE, NonFinite.WORKERS,
                NonFinite.ROUNDS, NonFinite.ACTION);

        void putInto(Map<String, Object> f) {
            f.put(EPOCH, epoch);
            f.put(EXAMPLES, examples);
            f.put(WORKERS, workers);
            f.putAll(losses);
            f.put(IMAGES_PER_S, imagesPerSecond);
            f.put(SECONDS, seconds);
            f.put(OVERHEAD, overheadSeconds);
            f.put(LEARNING_RATE_SCALE, learningRateScale);
        }

        static RoundStats from(JsonNode node) {
            Map<String, Double> losses = new LinkedHashMap<>();
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!NOT_LOSSES.contains(name)) {
                    losses.put(name, number(node, name));
                }
            }
            return new RoundStats(number(node, EPOCH), node.path(EXAMPLES).asLong(), node.path(WORKERS).asInt(),
                    losses, number(node, IMAGES_PER_S), number(node, SECONDS), number(node, OVERHEAD),
                    number(node, LEARNING_RATE_SCALE));
        }
    }

    /** A round that was averaged in. */
    record Rounds(long round, RoundStats stats, double elapsedSeconds) implements MetricsLine {
        static final String TYPE = "round";
        static final String ELAPSED = "elapsed_s";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            stats.putInto(f);
            f.put(ELAPSED, elapsedSeconds);
            return f;
        }
    }

    /** A round in which some worker's loss or parameters became NaN or infinite: not averaged in. */
    record NonFinite(long round, RoundStats stats, List<Integer> nonFiniteWorkers, int nonFiniteRounds,
                     String action) implements MetricsLine {
        static final String TYPE = "non_finite";
        static final String WORKERS = "non_finite_workers";
        static final String ROUNDS = "non_finite_rounds";
        static final String ACTION = "action";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            stats.putInto(f);
            f.put(WORKERS, nonFiniteWorkers);
            f.put(ROUNDS, nonFiniteRounds);
            f.put(ACTION, action);
            return f;
        }
    }

    /** A held-out evaluation: during training on a sample, {@code last} on the whole test split. */
    record Eval(long round, double epoch, double accuracy, double reconstructionError, long examples,
                boolean last) implements MetricsLine {
        static final String TYPE = "eval";
        static final String EPOCH = "epoch";
        static final String ACCURACY = "accuracy";
        static final String RECONSTRUCTION_ERROR = "reconstruction_error";
        static final String EXAMPLES = "examples";
        static final String FINAL = "final";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put(EPOCH, epoch);
            f.put(ACCURACY, accuracy);
            f.put(RECONSTRUCTION_ERROR, reconstructionError);
            f.put(EXAMPLES, examples);
            f.put(FINAL, last);
            return f;
        }
    }

    /** A checkpoint written. */
    record Checkpointed(long round, String path, double epoch) implements MetricsLine {
        static final String TYPE = "checkpoint";
        static final String PATH = "path";
        static final String EPOCH = "epoch";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put(PATH, path);
            f.put(EPOCH, epoch);
            return f;
        }
    }
}
