package io.vcaps.jobs.report;

import io.vcaps.core.vcn.Classification;
import io.vcaps.core.vcn.ImageShape;
import io.vcaps.core.vcn.VcnModel;
import io.vcaps.dataset.DatasetSchema;
import io.vcaps.dataset.LabelledImages;
import io.vcaps.dataset.Pixels;
import io.vcaps.jobs.batch.MassSynthesis;
import io.vcaps.jobs.batch.PngImages;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The first held-out images of a dataset (its {@code test} split, in id order) beside the model's reconstructions
 * of them: reconstructed from the capsule means masked by the predicted entity, as the held-out evaluation of
 * training measures it. One PNG grid, real images in the top row and reconstructions below, plus a line per image.
 */
final class HeldOutReconstructions {
    private HeldOutReconstructions() {
    }

    /** One image of the grid: its id, true entities, prediction and squared reconstruction error. */
    record Shown(String id, String truth, String predicted, double error) {
    }

    /**
     * The grid and what it shows, column by column, and for each entity found among the first {@link #SCANNED}
     * held-out images the capsule mean of the first image showing it: where that entity's traversal starts.
     */
    record Result(Figure figure, List<Shown> shown, Map<Integer, INDArray> centres) {
    }

    /** Held-out images searched for one image of each entity. */
    static final int SCANNED = 1000;

    static Result of(SparkSession spark, String dataset, VcnModel model, int count) {
        LabelledImages input = LabelledImages.read(spark, dataset, DatasetSchema.TEST, model.shape(),
                model.entityNames());
        List<Row> scanned = input.rows().orderBy(DatasetSchema.ID).limit(Math.max(count, SCANNED)).collectAsList();
        List<Row> rows = scanned.subList(0, Math.min(count, scanned.size()));
        ImageShape shape = model.shape();
        List<byte[]> originals = new ArrayList<>();
        float[] x = new float[rows.size() * shape.pixels()];
        for (int i = 0; i < rows.size(); i++) {
            byte[] pixels = (byte[]) rows.get(i).get(LabelledImages.PIXELS);
            originals.add(pixels);
            Pixels.toUnit(pixels, shape.pixels(), x, i * shape.pixels());
        }
        INDArray images = Nd4j.create(x, new long[] {rows.size(), shape.pixels()}, 'c').castTo(model.dataType());
        VcnModel.Analysis analysis = model.analyse(images, input.multiLabel());
        Classification predicted = analysis.classification();
        INDArray reconstructions = analysis.reconstructions();
        INDArray difference = reconstructions.sub(images);
        INDArray errors = difference.muli(difference).sum(1);

        List<Shown> shown = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            String guess = input.multiLabel() ? names(model, present(predicted.present()[i]))
                    : model.entityNames().get(predicted.predicted()[i]);
            shown.add(new Shown(rows.get(i).getString(LabelledImages.ID), names(model, truth(rows.get(i))), guess,
                    errors.getDouble(i)));
        }
        List<byte[]> cells = new ArrayList<>(originals);
        cells.addAll(PngImages.fromUnit(reconstructions));
        byte[] png = PngImages.grid(cells, Math.max(1, originals.size()), shape.height(), shape.width(),
                shape.channels(), MassSynthesis.scale(shape));
        return new Result(new Figure("reconstructions.png", png, "top row: the first " + originals.size()
                + " held-out images of " + dataset + " by id; bottom row: the model's reconstructions of them"), shown,
                centres(model, scanned));
    }

    private static Map<Integer, INDArray> centres(VcnModel model, List<Row> rows) {
        Map<Integer, INDArray> centres = new TreeMap<>();
        ImageShape shape = model.shape();
        float[] x = new float[shape.pixels()];
        for (Row row : rows) {
            for (int k : truth(row)) {
                if (!centres.containsKey(k)) {
                    Pixels.toUnit((byte[]) row.get(LabelledImages.PIXELS), shape.pixels(), x, 0);
                    INDArray image = Nd4j.create(x, new long[] {1, shape.pixels()}, 'c').castTo(model.dataType());
                    centres.put(k, model.capsuleMeans(image, k).reshape(model.latentDim()));
                }
            }
        }
        return centres;
    }

    /** The row's true entities (model indices); none when the row has no labels. */
    private static int[] truth(Row r) {
        if (!r.isNullAt(LabelledImages.LABELS)) {
            return r.getList(LabelledImages.LABELS).stream().mapToInt(v -> (Integer) v).toArray();
        }
        return r.isNullAt(LabelledImages.LABEL) ? new int[0] : new int[] {r.getInt(LabelledImages.LABEL)};
    }

    private static int[] present(boolean[] flags) {
        return IntStream.range(0, flags.length).filter(k -> flags[k]).toArray();
    }

    private static String names(VcnModel model, int[] entities) {
        return entities.length == 0 ? "-" : Arrays.stream(entities).mapToObj(model.entityNames()::get)
                .collect(Collectors.joining(", "));
    }
}
