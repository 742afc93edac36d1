package io.vcaps.jobs.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.vcaps.core.vcn.MultiLabelMeasures;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of {@code metrics.jsonl}: a {@code type}, the {@code round} it belongs to, and the fields of its type.
 * The names of the types and fields are spelt here only: each type's record gives its {@link #fields()}, which
 * {@link MetricsLog} writes, and {@link #parse} reads them back.
 */
public sealed interface MetricsLine {

    /** The types of line, as written in {@code type}. */
    String START = "start", ROUND = "round", NON_FINITE = "non_finite", EVAL = "eval", CHECKPOINT = "checkpoint",
            RETRY = "retry", STOP = "stop", PRIORS = "priors";
    /** The fields of round and non-finite lines other than the loss terms. */
    String EPOCH = "epoch", EXAMPLES = "examples", WORKERS = "workers", IMAGES_PER_S = "images_per_s",
            SECONDS = "seconds", OVERHEAD = "overhead_s", LEARNING_RATE_SCALE = "learning_rate_scale",
            ELAPSED = "elapsed_s", NON_FINITE_WORKERS = "non_finite_workers", NON_FINITE_ROUNDS = "non_finite_rounds",
            ACTION = "action", TASK_FAILURES = "task_failures", TASK_RETRIES = "task_retries",
            EXECUTORS_LOST = "executors_lost", RESULT_BYTES = "result_bytes", SHUFFLE_BYTES = "shuffle_bytes";
    /** The fields of the other lines. */
    String DATASET = "dataset", ACCURACY = "accuracy", RECONSTRUCTION_ERROR = "reconstruction_error",
            FINAL = "final", PATH = "path", ATTEMPT = "attempt", ERROR = "error", REASON = "reason",
            MESSAGE = "message", BEST_ROUND = "best_round", BEST_MEASURE = "best_measure", BEST_VALUE = "best_value",
            BEST_EXAMPLES = "best_examples", WITHOUT_IMPROVEMENT = "evaluations_without_improvement",
            MODEL = "model", IMAGES = "images", SPARSE_PRIORS = "sparse_priors", OTHER_SPLITS = "other_splits";
    /** What lines written before the best's measure was named hold in place of {@link #BEST_VALUE}. */
    String BEST_ACCURACY = "best_accuracy";

    /** The measures an eval line may hold, in their order. */
    List<String> MEASURES = java.util.stream.Stream.concat(java.util.stream.Stream.of(ACCURACY),
            MultiLabelMeasures.NAMES.stream()).toList();

    /** The {@code type} of each kind of line. */
    Map<Class<? extends MetricsLine>, String> TYPES = Map.of(Start.class, START, Rounds.class, ROUND,
            NonFinite.class, NON_FINITE, Eval.class, EVAL, Checkpointed.class, CHECKPOINT, Retry.class, RETRY,
            Stopped.class, STOP, Priors.class, PRIORS);

    default String type() {
        return TYPES.get(getClass());
    }

    long round();

    /** The fields after {@code type} and {@code round}, in the order they are written. */
    Map<String, Object> fields();

    /** The line of {@code node}'s type; null for a type this version does not know. */
    static MetricsLine parse(JsonNode node) {
        long round = node.path("round").asLong();
        return switch (node.path("type").asText()) {
            case START -> new Start(round, node.path(DATASET).asText(null), rest(node, Map.of()));
            case ROUND -> new Rounds(round, RoundStats.from(node), number(node, ELAPSED));
            case NON_FINITE -> new NonFinite(round, RoundStats.from(node),
                    ints(node.path(NON_FINITE_WORKERS)), node.path(NON_FINITE_ROUNDS).asInt(),
                    node.path(ACTION).asText());
            case EVAL -> new Eval(round, number(node, EPOCH), measures(node), number(node, RECONSTRUCTION_ERROR),
                    node.path(EXAMPLES).asLong(), node.path(FINAL).asBoolean());
            case CHECKPOINT -> new Checkpointed(round, node.path(PATH).asText(),
                    number(node, EPOCH));
            case RETRY -> new Retry(round, node.path(ATTEMPT).asInt(), node.path(ERROR).asText(),
                    number(node, SECONDS));
            case STOP -> new Stopped(round, node.path(REASON).asText(), node.path(MESSAGE).asText(),
                    node.hasNonNull(BEST_ROUND) ? new Best(node.path(BEST_ROUND).asLong(),
                            node.path(BEST_MEASURE).asText(null), number(node, node.has(BEST_VALUE) ? BEST_VALUE
                            : BEST_ACCURACY), node.path(BEST_EXAMPLES).asLong()) : null,
                    node.path(WITHOUT_IMPROVEMENT).asInt());
            case PRIORS -> new Priors(round, node.path(MODEL).asText(), node.path(IMAGES).asLong(),
                    longs(node.path(SPARSE_PRIORS)));
            default -> null;
        };
    }

    /** Names and values, in this order. */
    private static Map<String, Object> ordered(Object... namesAndValues) {
        Map<String, Object> f = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            f.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return f;
    }

    /** The measures an eval line holds: single-label accuracy, or the multi-label means. */
    private static Map<String, Double> measures(JsonNode node) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String name : MEASURES) {
            if (node.has(name)) {
                out.put(name, number(node, name));
            }
        }
        return out;
    }

    /** A number field; NaN where it was not finite (written as null) or is missing. */
    private static double number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isNumber() ? value.asDouble() : Double.NaN;
    }

    private static List<Integer> ints(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asInt).toList();
    }

    private static Map<String, Long> longs(JsonNode object) {
        Map<String, Long> out = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
        return out;
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
                      double seconds, double overheadSeconds, double learningRateScale, SparkHealth health) {
        /** Fields of a round's line that are not loss terms. */
        private static final List<String> NOT_LOSSES = List.of("type", "round", EPOCH, EXAMPLES, WORKERS,
                IMAGES_PER_S, SECONDS, OVERHEAD, ELAPSED, LEARNING_RATE_SCALE, NON_FINITE_WORKERS, NON_FINITE_ROUNDS,
                ACTION, TASK_FAILURES, TASK_RETRIES, EXECUTORS_LOST, RESULT_BYTES, SHUFFLE_BYTES);

        /** The fields of a round's line, losses after the counts and before the times and Spark's health. */
        Map<String, Object> fields() {
            Map<String, Object> f = ordered(EPOCH, epoch, EXAMPLES, examples, WORKERS, workers);
            f.putAll(losses);
            f.putAll(ordered(IMAGES_PER_S, imagesPerSecond, SECONDS, seconds, OVERHEAD, overheadSeconds,
                    LEARNING_RATE_SCALE, learningRateScale, TASK_FAILURES, health.taskFailures(), TASK_RETRIES,
                    health.taskRetries(), EXECUTORS_LOST, health.executorsLost(), RESULT_BYTES, health.resultBytes(),
                    SHUFFLE_BYTES, health.shuffleBytes()));
            return f;
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
                    number(node, LEARNING_RATE_SCALE), new SparkHealth(node.path(TASK_FAILURES).asLong(),
                    node.path(TASK_RETRIES).asLong(), node.path(EXECUTORS_LOST).asLong(),
                    node.path(RESULT_BYTES).asLong(), node.path(SHUFFLE_BYTES).asLong()));
        }
    }

    /**
     * What Spark went through in one round, all its attempts together: tasks that failed (killed tasks of a failed
     * job not counted), task attempts after the first (Spark's own retries), and executors removed since the
     * previous round's line (an executor lost between rounds is counted in the next); and what the round moved:
     * the bytes of task results that reached the driver, and the bytes its tasks wrote to shuffle files.
     */
    record SparkHealth(long taskFailures, long taskRetries, long executorsLost, long resultBytes,
            long shuffleBytes) {
        /** Nothing went wrong, nothing moved. */
        public static final SparkHealth NONE = new SparkHealth(0, 0, 0, 0, 0);

        public SparkHealth plus(SparkHealth o) {
            return new SparkHealth(taskFailures + o.taskFailures, taskRetries + o.taskRetries,
                    executorsLost + o.executorsLost, resultBytes + o.resultBytes, shuffleBytes + o.shuffleBytes);
        }

        public boolean isClean() {
            return taskFailures == 0 && taskRetries == 0 && executorsLost == 0;
        }
    }

    /** A round that was averaged in. */
    record Rounds(long round, RoundStats stats, double elapsedSeconds) implements MetricsLine {

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> f = stats.fields();
            f.put(ELAPSED, elapsedSeconds);
            return f;
        }
    }

    /** A round in which some worker's loss or parameters became NaN or infinite: not averaged in. */
    record NonFinite(long round, RoundStats stats, List<Integer> nonFiniteWorkers, int nonFiniteRounds,
                     String action) implements MetricsLine {

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> f = stats.fields();
            f.putAll(ordered(NON_FINITE_WORKERS, nonFiniteWorkers, NON_FINITE_ROUNDS, nonFiniteRounds, ACTION, action));
            return f;
        }
    }

    /**
     * A held-out evaluation: during training on a sample, {@code last} on the whole test split. Its
     * {@code measures}: single-label data's {@code accuracy}, or multi-label data's means
     * ({@link MultiLabelMeasures#means}).
     */
    record Eval(long round, double epoch, Map<String, Double> measures, double reconstructionError, long examples,
                boolean last) implements MetricsLine {

        /** The measure that selects the best model: accuracy where the line has it, else the multi-label one. */
        public String selectedMeasure() {
            return measures.containsKey(ACCURACY) ? ACCURACY : MultiLabelMeasures.SELECTED;
        }

        /** A measure's value; NaN where the line does not have it. */
        public double measure(String name) {
            return measures.getOrDefault(name, Double.NaN);
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> f = ordered(EPOCH, epoch);
            f.putAll(measures);
            f.putAll(ordered(RECONSTRUCTION_ERROR, reconstructionError, EXAMPLES, examples, FINAL, last));
            return f;
        }
    }

    /** A checkpoint written. */
    record Checkpointed(long round, String path, double epoch) implements MetricsLine {

        @Override
        public Map<String, Object> fields() {
            return ordered(PATH, path, EPOCH, epoch);
        }
    }

    /**
     * A round's Spark job failed (a task out of its retries) and the round runs again from the same state: the
     * {@code attempt} that failed (1 = the first), one line of its {@code error}, and the {@code seconds} it took.
     */
    record Retry(long round, int attempt, String error, double seconds) implements MetricsLine {

        @Override
        public Map<String, Object> fields() {
            return ordered(ATTEMPT, attempt, ERROR, error, SECONDS, seconds);
        }
    }

    /**
     * The run stopped before its epochs were done: {@code reason} is {@code early-stopping} (the held-out measure
     * that selects, {@link Best#measure}, did not improve for {@code training.early-stopping.patience} evaluations)
     * or {@code time-budget}; the final outputs follow as at a normal end.
     */
    record Stopped(long round, String reason, String message, Best best, int evaluationsWithoutImprovement)
            implements MetricsLine {
        public static final String EARLY_STOPPING = "early-stopping", TIME_BUDGET = "time-budget", GOAL = "goal";

        @Override
        public Map<String, Object> fields() {
            return ordered(REASON, reason, MESSAGE, message, BEST_ROUND, best == null ? null : best.round(),
                    BEST_MEASURE, best == null ? null : best.measure(), BEST_VALUE,
                    best == null ? null : best.value(), BEST_EXAMPLES,
                    best == null ? null : best.examples(), WITHOUT_IMPROVEMENT, evaluationsWithoutImprovement);
        }
    }

    /**
     * Entity priors fitted to a {@code model} ({@code last} or {@code best}) from {@code images} capsules of train
     * images; {@code sparse_priors} names the entities whose prior rests on fewer than 2 images, with their count
     * (one image: its posterior; none: N(0, I)), as the bundle's provenance does.
     */
    record Priors(long round, String model, long images, Map<String, Long> sparsePriors) implements MetricsLine {

        @Override
        public Map<String, Object> fields() {
            return ordered(MODEL, model, IMAGES, images, SPARSE_PRIORS, sparsePriors);
        }
    }
}
