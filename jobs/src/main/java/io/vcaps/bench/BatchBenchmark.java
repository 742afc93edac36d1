package io.vcaps.bench;

import io.vcaps.core.bench.ModelBenchmark;
import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.config.VcnConfig;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.batch.BatchClassification;
import io.vcaps.jobs.batch.ClassifyRequest;
import io.vcaps.jobs.batch.GenerateRequest;
import io.vcaps.jobs.batch.MassSynthesis;
import io.vcaps.jobs.batch.Synthesiser;
import io.vcaps.ml.VcapsModel;
import io.vcaps.spark.OutputMode;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Times the batch jobs end to end through Spark, Parquet in and out, with an untrained model of a given
 * configuration (speed does not depend on the weights): {@link BatchClassification} over a {@link SyntheticDataset},
 * and {@link MassSynthesis} with or without PNG files. Each run is preceded by a smaller untimed run, so the
 * executors' threads have read the bundle and the JIT has warmed up, as in a long job: for classification, one
 * block of {@link SyntheticDataset#BLOCK} images per task thread, each in its own file and so its own task.
 */
public final class BatchBenchmark {
    /** Files the file-system probe creates before a timed run with PNG files, each of a small PNG's size. */
    private static final int PROBE_FILES = 10_000;
    private static final int PROBE_BYTES = 300;

    private BatchBenchmark() {
    }

    /** Classification images/s of {@code images} images through {@code vcaps classify}. */
    public static Map<String, Object> classify(SparkSession spark, VcnConfig config, int images, int batchSize,
            int partitions) throws IOException {
        Path work = Files.createTempDirectory("vcaps-bench-classify");
        try {
            String bundle = writeBundle(config, work);
            String data = work.resolve("data").toString();
            SyntheticDataset.write(spark, data, images, 0, 11, partitions);
            int parallelism = spark.sparkContext().defaultParallelism();
            // One block of images per task thread, in a file of its own, so that every thread reads its model.
            String warm = work.resolve("warm-data").toString();
            SyntheticDataset.write(spark, warm, parallelism * SyntheticDataset.BLOCK, 0, 12, parallelism);
            BatchClassification.run(spark, new ClassifyRequest(bundle, warm, work.resolve("warm").toString(), batchSize,
                    OutputMode.ERROR, "train"));
            long start = System.nanoTime();
            BatchClassification.Result result = BatchClassification.run(spark, new ClassifyRequest(bundle, data,
                    work.resolve("out").toString(), batchSize, OutputMode.ERROR, "train"));
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("benchmark", "classify");
            out.put("images", result.rows());
            out.put("batch_size", batchSize);
            out.put("input_partitions", partitions);
            out.put("spark_parallelism", parallelism);
            out.put("seconds", round(seconds));
            out.put("img_per_s", round(result.rows() / seconds));
            out.put("peak_rss_mb", ModelBenchmark.peakRssMb());
            out.put("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
            return out;
        } finally {
            FileUtils.deleteQuietly(work.toFile());
        }
    }

    /**
     * {@link VcapsModel#transform} against {@code vcaps classify} on the same {@code images} rows in the same session,
     * alternating, {@code repeats} times each after one untimed run of both: the median images/s of each. The
     * transform's output (every input column but the pixels, and the scores) is written to Parquet as classify's is.
     */
    public static Map<String, Object> transform(SparkSession spark, VcnConfig config, int images, int batchSize,
            int partitions, int repeats) throws IOException {
        Path work = Files.createTempDirectory("vcaps-bench-transform");
        try {
            String bundle = writeBundle(config, work);
            String data = work.resolve("data").toString();
            SyntheticDataset.write(spark, data, images, 0, 11, partitions);
            VcapsModel model = VcapsModel.fromBundle(bundle).setBatchSize(batchSize);
            List<Double> classify = new ArrayList<>();
            List<Double> transform = new ArrayList<>();
            for (int r = 0; r <= repeats; r++) {
                long start = System.nanoTime();
                long rows = BatchClassification.run(spark, new ClassifyRequest(bundle, data,
                        work.resolve("classify-" + r).toString(), batchSize, OutputMode.ERROR, "train")).rows();
                double classifySeconds = (System.nanoTime() - start) / 1e9;
                start = System.nanoTime();
                model.transform(spark.read().parquet(data)).drop(DatasetSchema.PIXELS).write()
                        .parquet(work.resolve("transform-" + r).toString());
                double transformSeconds = (System.nanoTime() - start) / 1e9;
                if (rows != images) {
                    throw new IllegalStateException("classify scored " + rows + " of " + images + " images");
                }
                if (r > 0) {
                    classify.add(round(images / classifySeconds));
                    transform.add(round(images / transformSeconds));
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("benchmark", "transform");
            out.put("images", images);
            out.put("batch_size", batchSize);
            out.put("input_partitions", partitions);
            out.put("spark_parallelism", spark.sparkContext().defaultParallelism());
            out.put("repeats", repeats);
            out.put("classify_img_per_s", median(classify));
            out.put("transform_img_per_s", median(transform));
            out.put("ratio", round(median(transform) / median(classify)));
            out.put("classify_runs", classify);
            out.put("transform_runs", transform);
            out.put("peak_rss_mb", ModelBenchmark.peakRssMb());
            out.put("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
            return out;
        } finally {
            FileUtils.deleteQuietly(work.toFile());
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : round((sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2);
    }

    /** Synthesis images/s of {@code perEntity} images of each of 10 entities through {@code vcaps generate}. */
    public static Map<String, Object> generate(SparkSession spark, VcnConfig config, long perEntity, boolean png,
            int partitions) throws IOException {
        Path work = Files.createTempDirectory("vcaps-bench-generate");
        try {
            String bundle = writeBundle(config, work);
            MassSynthesis.run(spark, new GenerateRequest(bundle, work.resolve("warm").toString(),
                    Math.min(perEntity, 8 * Synthesiser.BATCH), null, null, 1, 1.0, partitions, png, false, false,
                            OutputMode.ERROR, false));
            double filesPerSecond = png ? fileCreationRate(work.resolve("probe"),
                    Math.min(partitions, spark.sparkContext().defaultParallelism())) : 0;
            long start = System.nanoTime();
            MassSynthesis.Result result = MassSynthesis.run(spark, new GenerateRequest(bundle,
                    work.resolve("out").toString(), perEntity, null, null, 2, 1.0, partitions, png, false, false,
                    OutputMode.ERROR, false));
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("benchmark", "generate");
            out.put("images", result.images());
            out.put("png", png);
            out.put("partitions", partitions);
            out.put("batch", Synthesiser.BATCH);
            out.put("seconds", round(seconds));
            out.put("img_per_s", round(result.images() / seconds));
            if (png) {
                out.put("fs_files_per_s", Math.round(filesPerSecond));
            }
            out.put("peak_rss_mb", ModelBenchmark.peakRssMb());
            out.put("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
            return out;
        } finally {
            FileUtils.deleteQuietly(work.toFile());
        }
    }

    /**
     * Files of a PNG's size created per second in {@code dir} from {@code threads} threads (the job's concurrent
     * tasks), just before the timed run: the file system's own rate, which bounds synthesis with a PNG per image
     * and moves with the host (docs/BENCHMARKS.md: on ext4 without a journal it falls ten-fold for minutes after
     * many files were deleted). The files stay until the benchmark's folder is deleted, so that the probe does not
     * slow the run it precedes.
     */
    private static double fileCreationRate(Path dir, int threads) throws IOException {
        Files.createDirectories(dir);
        byte[] png = new byte[PROBE_BYTES];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Void>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                writers.add(() -> {
                    for (int i = first; i < PROBE_FILES; i += threads) {
                        try (OutputStream out = Files.newOutputStream(dir.resolve(i + ".png"))) {
                            out.write(png);
                        }
                    }
                    return null;
                });
            }
            long start = System.nanoTime();
            for (Future<Void> done : pool.invokeAll(writers)) {
                done.get();
            }
            return PROBE_FILES / ((System.nanoTime() - start) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while probing " + dir, e);
        } catch (ExecutionException e) {
            throw new IOException("cannot probe the file system at " + dir, e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static String writeBundle(VcnConfig config, Path dir) throws IOException {
        VcnModel model = VcnModel.create(config, new ImageShape(28, 28, 1), SyntheticDataset.entities(),
                DataType.FLOAT);
        Path file = dir.resolve("model.vcaps");
        try (OutputStream out = Files.newOutputStream(file)) {
            ModelBundle.write(model, out);
        }
        return file.toString();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
