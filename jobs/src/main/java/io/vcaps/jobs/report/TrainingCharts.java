package io.vcaps.jobs.report;

import io.vcaps.jobs.run.MetricsLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Curves of a training run from its metrics log, drawn with XChart as PNG: one chart per loss term (the terms have
 * different units and scales, so each gets its own axis), the mean KL of present and absent capsules, and the
 * held-out measures and reconstruction error at each evaluation. Rounds whose value was not finite (logged as null)
 * are left out of a curve.
 */
final class TrainingCharts {
    private static final String KL_PREFIX = "kl_";
    private static final Map<String, String> TERMS = Map.of(
            "margin", "L_margin: margin loss on the capsules' KL",
            "reconstruction", "L_rec: squared pixel error per image",
            "adversarial", "L_adv: the generator's least-squares GAN loss",
            "discriminator", "L_D: the discriminator's loss",
            "consistency", "class consistency of prior samples (gamma term)");
    private static final int WIDTH = 420;
    private static final int HEIGHT = 300;

    private TrainingCharts() {
    }

    /** The loss terms the run logged, in the order first seen. */
    static List<String> lossTerms(List<MetricsLine.Rounds> rounds) {
        Set<String> terms = new LinkedHashSet<>();
        for (MetricsLine.Rounds line : rounds) {
            for (String name : line.stats().losses().keySet()) {
                if (!name.startsWith(KL_PREFIX)) {
                    terms.add(name);
                }
            }
        }
        return new ArrayList<>(terms);
    }

    /** Whether {@code term} was 0 in every round that logged it: the term is switched off in the configuration. */
    static boolean alwaysZero(List<MetricsLine.Rounds> rounds, String term) {
        return rounds.stream().map(line -> line.stats().losses().get(term)).filter(v -> v != null && !v.isNaN())
                .allMatch(v -> v == 0);
    }

    /** A chart of {@code term} over rounds. */
    static Figure loss(List<MetricsLine.Rounds> rounds, String term) {
        XYChart chart = chart(TERMS.getOrDefault(term, term), "mean over the round's examples");
        addSeries(chart, term, rounds, line -> line.stats().losses().get(term));
        chart.getStyler().setLegendVisible(false);
        return new Figure("loss-" + term.replaceAll("[^A-Za-z0-9_-]", "_") + ".png", png(chart),
                "loss term '" + term + "' over training rounds");
    }

    /** Mean KL of present and of absent capsules over rounds; null when the run logged neither. */
    static Figure kl(List<MetricsLine.Rounds> rounds) {
        XYChart chart = chart("KL of capsules with the prior", "nats");
        boolean any = addSeries(chart, "present entities", rounds,
                line -> line.stats().losses().get(KL_PREFIX + "present"));
        any |= addSeries(chart, "absent entities", rounds, line -> line.stats().losses().get(KL_PREFIX + "absent"));
        return any ? new Figure("kl.png", png(chart), "mean KL of the capsules of present and of absent entities over"
                + " training rounds: a capsule's KL is its existence score, small means present") : null;
    }

    /**
     * The held-out measures at each evaluation, by their metrics-line names: single-label accuracy, or the
     * multi-label means, exact-set accuracy and top-k; null when there was none.
     */
    static Figure accuracy(List<MetricsLine.Eval> evals) {
        boolean single = evals.stream().anyMatch(e -> e.measures().containsKey(MetricsLine.ACCURACY));
        XYChart chart = chart(single ? "held-out accuracy" : "held-out multi-label measures",
                single ? "accuracy" : "share");
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0).setLegendVisible(!single)
                .setLegendPosition(Styler.LegendPosition.InsideSE);
        boolean any = false;
        for (String name : MetricsLine.MEASURES) {
            any |= addSeries(chart, name, evals, e -> e.measure(name));
        }
        String what = single ? "accuracy" : "multi-label measures (mean_balanced_accuracy selects the best model)";
        return any ? new Figure(single ? "accuracy.png" : "multi-label-measures.png", png(chart), "held-out " + what
                + " at each evaluation during training (the last on the whole test split)") : null;
    }

    /** Held-out reconstruction error at each evaluation; null when there was none. */
    static Figure reconstructionError(List<MetricsLine.Eval> evals) {
        XYChart chart = chart("held-out reconstruction error", "squared pixel error per image");
        chart.getStyler().setLegendVisible(false);
        return addSeries(chart, "reconstruction error", evals, MetricsLine.Eval::reconstructionError)
                ? new Figure("reconstruction-error.png", png(chart), "held-out reconstruction error at each"
                        + " evaluation during training") : null;
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("round")
                .yAxisTitle(yTitle).build();
        XYStyler styler = chart.getStyler();
        styler.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        styler.setPlotGridLinesColor(new Color(0xE0, 0xE0, 0xE0));
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        return chart;
    }

    /** Adds the finite values of {@code field} against {@code round}; false when there are none. */
    private static <T extends MetricsLine> boolean addSeries(XYChart chart, String name, List<T> lines,
            Function<T, Double> field) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (T line : lines) {
            Double value = field.apply(line);
            if (value != null && Double.isFinite(value)) {
                x.add((double) line.round());
                y.add(value);
            }
        }
        if (x.isEmpty()) {
            return false;
        }
        XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(x.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        return true;
    }

    private static byte[] png(XYChart chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot draw the chart '" + chart.getTitle() + "'", e);
        }
    }
}
