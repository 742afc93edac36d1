package io.vcaps.jobs.train;

import io.vcaps.core.bundle.ModelBundle;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.jobs.TestSpark;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.IntStream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parquet rows no job can use (null pixels, pixel arrays cut short, labels out of range or null, a column of the
 * wrong type): {@code train} and {@code classify} exit 1 before any work with one line naming the column and the
 * smallest such row id, and write nothing. docs/DATA.md, "Broken rows".
 */
class HostileTableTest {

    @TempDir
    Path dir;

    /** A digits dataset with one train row, the one of smallest id, changed by {@code edit}. */
    private String broken(String name, BiFunction<Column, Dataset<Row>, Dataset<Row>> edit) throws Exception {
        return TrainFixtures.digits(TestSpark.session(), dir.resolve(name), 20, 10, d -> {
            String first = d.where(col(DatasetSchema.SPLIT).equalTo(DatasetSchema.TRAIN))
                    .agg(min(DatasetSchema.ID)).first().getString(0);
            return edit.apply(col(DatasetSchema.ID).equalTo(first), d);
        }, new ImageShape(28, 28, 1));
    }

    private String firstTrainId(String data) {
        return TestSpark.session().read().parquet(data).where(col(DatasetSchema.SPLIT).equalTo(DatasetSchema.TRAIN))
                .agg(min(DatasetSchema.ID)).first().getString(0);
    }

    private void assertTrainRefuses(String data, String message) throws Exception {
        Path output = dir.resolve("run-" + System.nanoTime());
        TrainFixtures.Run run = TrainFixtures.vcaps("train", "--data", data, "--output", output.toString(), "--conf",
                TrainFixtures.conf(dir, TrainFixtures.TINY).getPath(), "--epochs", "1");
        assertEquals(1, run.exit(), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        String expected = message.replace("ID", firstTrainId(data));
        assertTrue(run.err().contains(expected) && run.err().contains(data), "expected '" + expected + "' in "
                + run.err());
        assertFalse(Files.exists(output.resolve("model.zip")), "no model");
        assertFalse(Files.exists(output.resolve("metrics.jsonl")), "no training started");
    }

    @Test
    void trainNamesTheColumnAndTheRow() throws Exception {
        assertTrainRefuses(broken("null-pixels", (row, d) -> d.withColumn(DatasetSchema.PIXELS,
                when(row, lit(null).cast("binary")).otherwise(col(DatasetSchema.PIXELS)))),
                "column pixels is null in 1 row (for example id ID)");
        assertTrainRefuses(broken("short", (row, d) -> d.withColumn(DatasetSchema.PIXELS,
                when(row, substring(col(DatasetSchema.PIXELS), 1, 700)).otherwise(col(DatasetSchema.PIXELS)))),
                "column pixels holds a byte count other than height x width x channels in 1 row (for example id ID"
                        + " (700 bytes for 28x28x1))");
        assertTrainRefuses(broken("label-12", (row, d) -> d.withColumn(DatasetSchema.LABEL,
                when(row, lit(12)).otherwise(col(DatasetSchema.LABEL)))),
                "column label is null or outside [0, 10) in 1 row (for example id ID (label 12))");
        assertTrainRefuses(broken("label-null", (row, d) -> d.withColumn(DatasetSchema.LABEL,
                when(row, lit(null).cast("int")).otherwise(col(DatasetSchema.LABEL)))),
                "column label is null or outside [0, 10) in 1 row (for example id ID (label null))");
        assertTrainRefuses(broken("label-text", (row, d) -> d.withColumn(DatasetSchema.LABEL,
                col(DatasetSchema.LABEL).cast("string"))), "column 'label' is string, expected int");
    }

    @Test
    void classifyNamesTheColumnAndTheRow() throws Exception {
        VcnModel model = VcnModel.create(TrainFixtures.config(TrainFixtures.TINY), new ImageShape(28, 28, 1),
                IntStream.range(0, 10).mapToObj(Integer::toString).toList(), DataType.FLOAT);
        Path bundle = dir.resolve("model.vcaps");
        try (OutputStream out = Files.newOutputStream(bundle)) {
            ModelBundle.write(model, out);
        }
        for (List<String> c : List.of(
                List.of("null-pixels", "column pixels is null in 1 row (for example id ID)"),
                List.of("label-57", "column label is outside [-1, 10) in 1 row (for example id ID (label 57))"))) {
            String data = c.get(0).equals("null-pixels")
                    ? broken(c.get(0), (row, d) -> d.withColumn(DatasetSchema.PIXELS,
                            when(row, lit(null).cast("binary")).otherwise(col(DatasetSchema.PIXELS))))
                    : broken(c.get(0), (row, d) -> d.withColumn(DatasetSchema.LABEL,
                            when(row, lit(57)).otherwise(col(DatasetSchema.LABEL))));
            Path output = dir.resolve("classified-" + c.get(0));
            TrainFixtures.Run run = TrainFixtures.vcaps("classify", "--model", bundle.toString(), "--data", data,
                    "--output", output.toString());
            assertEquals(1, run.exit(), run.err());
            String expected = c.get(1).replace("ID", firstTrainId(data));
            assertTrue(run.err().contains(expected), "expected '" + expected + "' in " + run.err());
            assertFalse(Files.exists(output), "no output");
        }
    }
}
