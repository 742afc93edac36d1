package io.vcaps.jobs.train;

import io.vcaps.core.vcn.MultiLabelMeasures;
import io.vcaps.jobs.averaging.Round;
import io.vcaps.jobs.averaging.StepTotals;

import java.io.PrintStream;
import java.util.Locale;

/** The lines {@code vcaps train} prints while it runs: one per round (losses, speed, ETA) and one per evaluation. */
final class ConsoleProgress {

    private final PrintStream out;
    private final long totalRounds;
    private final double budgetSeconds;

    /** @param budgetSeconds the run's wall-clock budget, 0 for none */
    ConsoleProgress(PrintStream out, long totalRounds, double budgetSeconds) {
        this.out = out;
        this.totalRounds = totalRounds;
        this.budgetSeconds = budgetSeconds;
    }

    void round(long round, double epoch, Round r, double secondsPerRound, double elapsed) {
        StepTotals t = r.totals();
        double eta = (totalRounds - round) * secondsPerRound;
        if (budgetSeconds > 0) {
            eta = Math.min(eta, Math.max(0, budgetSeconds - elapsed));
        }
        out.println(String.format(Locale.ROOT,
                "round %d/%d  epoch %.2f  margin %.4g  rec %.4g  adv %.4g  D %.4g  KL+ %.3g  KL- %.3g  %.1f img/s"
                        + "  ETA %s",
                round, totalRounds, epoch, t.mean("margin"), t.mean("reconstruction"), t.mean("adversarial"),
                t.mean("discriminator"), t.mean("kl_present"), t.mean("kl_absent"), r.imagesPerSecond(),
                duration(eta)));
        out.flush();
    }

    /** One line: each measure by its JSON name with blanks for underscores, then the reconstruction error. */
    void evaluation(long round, HeldOutEvaluation.Result e, boolean last) {
        out.println(String.format(Locale.ROOT, "  %s after round %d: %s, reconstruction error %.4g  (%d images)",
                last ? "final held-out evaluation" : "held-out", round, MultiLabelMeasures.describe(e.measures()),
                e.reconstructionError(), e.examples()));
        out.flush();
    }

    void note(String line) {
        out.println(line);
        out.flush();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
