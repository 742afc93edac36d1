package io.vcaps.jobs.batch;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A confusion matrix as a PNG a person can read (XChart heat map): true entities down the side, first at the top,
 * predicted entities along the bottom, each cell showing and shaded by its share of its row (in %; the counts are in
 * the JSON report), so a
 * well-classified entity shows as a dark diagonal cell whatever its support.
 */
public final class ConfusionChart {
    private ConfusionChart() {
    }

    /** PNG bytes of {@code counts[true][predicted]} with entity {@code names}. */
    public static byte[] png(long[][] counts, List<String> names, String title) throws IOException {
        int k = names.size();
        int side = Math.max(480, Math.min(1600, 60 * k + 200));
        HeatMapChart chart = new HeatMapChartBuilder().width(side + 120).height(side).title(title)
                .xAxisTitle("predicted entity").yAxisTitle("true entity").build();
        chart.getStyler().setShowValue(true).setRangeColors(new Color[] {Color.WHITE, new Color(0xC6, 0xDB, 0xEF),
                new Color(0x42, 0x92, 0xC6)});
        chart.getStyler().setValueFontColor(Color.BLACK)
                .setValueFont(new Font(Font.SANS_SERIF, Font.BOLD, k > 20 ? 9 : 13));
        chart.getStyler().setMin(0).setMax(100);
        chart.getStyler().setHeatMapValueDecimalPattern("0");
        chart.getStyler().setPlotGridLinesVisible(false);
        chart.getStyler().setXAxisLabelRotation(k > 10 ? 45 : 0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> rows = new ArrayList<>(names);
        java.util.Collections.reverse(rows);
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            long total = 0;
            for (long c : counts[t]) {
                total += c;
            }
            for (int p = 0; p < k; p++) {
                double share = total == 0 ? 0 : 100.0 * counts[t][p] / total;
                cells.add(new Number[] {p, k - 1 - t, share});
            }
        }
        chart.addSeries("% of the true entity's images", names, rows, cells);
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
}
