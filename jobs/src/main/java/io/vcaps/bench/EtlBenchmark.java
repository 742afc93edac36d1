package io.vcaps.bench;

import io.vcaps.core.vcn.ImageShape;
import io.vcaps.dataset.DatasetMetadata;
import io.vcaps.jobs.etl.EtlPipeline;
import io.vcaps.jobs.etl.EtlRequest;
import io.vcaps.jobs.etl.SourceKind;
import io.vcaps.spark.OutputMode;
import io.vcaps.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code vcaps bench etl --input MNIST_DIR [--runs N]}: times the ETL of full MNIST from IDX to Parquet
 * (docs/BENCHMARKS.md), writing into a temporary folder that is deleted afterwards. The first run is what one
 * {@code vcaps etl} job does in a fresh JVM; the later runs, in the same SparkSession, measure throughput once the
 * start-up costs (JVM,
 * Spark, class loading, code generation) are paid. Prints one JSON line last:
 * <ul>
 *   <li>{@code img_per_s}, {@code etl_s}, {@code cpu_s}: throughput without start-up costs, the median of
 *       runs 2..RUNS (wall and CPU seconds per run);</li>
 *   <li>{@code seconds}: end to end for the first run, from the JVM's start to the committed dataset;</li>
 *   <li>{@code first_img_per_s}, {@code first_etl_s}, {@code first_cpu_s}: the first run alone, from the
 *       started SparkSession ({@code session_s} after the command started) to the committed dataset;</li>
 *   <li>{@code load_avg}: the machine's load at the end, since other work stretches wall time.</li>
 * </ul>
 */
@Command(name = "etl", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Images/s of vcaps etl from MNIST's IDX files to Parquet, first run and warm runs.")
final class EtlBenchmark implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "DIR",
            description = "the MNIST IDX files (submit-scripts/fetch-mnist.sh puts them in data/mnist)")
    String input;

    @Option(names = "--runs", defaultValue = "3", description = "ETL runs in one session, at least 2"
            + " (default: ${DEFAULT-VALUE})")
    int runs;

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    @Override
    public Integer call() throws Exception {
        long mainStart = System.nanoTime();
        if (runs < 2) {
            throw new IllegalArgumentException("RUNS must be at least 2: the first run pays the start-up costs");
        }
        Path scratch = Files.createTempDirectory("vcaps-etl-bench");
        SparkSession spark = Sessions.getOrCreate("vcaps etl benchmark");
        double session = (System.nanoTime() - mainStart) / 1e9;

        double[] seconds = new double[runs];
        double[] cpu = new double[runs];
        double endToEnd = 0;
        long images = 0;
        long rejects = 0;
        for (int run = 0; run < runs; run++) {
            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            DatasetMetadata metadata = EtlPipeline.run(spark, EtlRequest.of(SourceKind.IDX, input, null,
                    scratch.resolve("mnist-" + run).toString(), new ImageShape(28, 28, 1), OutputMode.ERROR));
            seconds[run] = (System.nanoTime() - start) / 1e9;
            cpu[run] = (processCpuNanos() - cpuBefore) / 1e9;
            if (run == 0) {
                endToEnd = (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1000.0;
                images = metadata.images();
                rejects = metadata.rejects().total();
            }
        }
        spark.stop();
        try (Stream<Path> files = Files.walk(scratch)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        double warm = median(Arrays.copyOfRange(seconds, 1, runs));
        System.out.println(String.format(Locale.ROOT,
                "{\"benchmark\":\"etl-idx-mnist\",\"images\":%d,\"rejects\":%d,\"img_per_s\":%.0f,\"etl_s\":%.3f,"
                        + "\"cpu_s\":%.3f,\"seconds\":%.3f,\"first_img_per_s\":%.0f,\"first_etl_s\":%.3f,"
                        + "\"first_cpu_s\":%.3f,\"session_s\":%.3f,"
                        + "\"runs\":%d,\"cores\":%d,\"load_avg\":%.2f}",
                images, rejects, images / warm, warm, median(Arrays.copyOfRange(cpu, 1, runs)), endToEnd,
                images / seconds[0], seconds[0], cpu[0], session, runs, Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        return 0;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
