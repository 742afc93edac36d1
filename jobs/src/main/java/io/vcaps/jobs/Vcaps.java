package io.vcaps.jobs;

import io.vcaps.bench.BenchJob;
import io.vcaps.jobs.etl.EtlJob;
import io.vcaps.jobs.etl.MultiMnistJob;
import io.vcaps.jobs.etl.ShapesJob;
import io.vcaps.spark.JobCommandLine;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The entry point {@code submit-scripts/vcaps} runs: {@code vcaps <job> [options]}, one subcommand per job. */
@Command(name = "vcaps", mixinStandardHelpOptions = true,
        description = "Variational Capsule Networks on Apache Spark.",
        subcommands = {EtlJob.class, MultiMnistJob.class, ShapesJob.class, io.vcaps.jobs.train.TrainJob.class,
            io.vcaps.jobs.batch.ClassifyJob.class, io.vcaps.jobs.batch.GenerateJob.class,
            io.vcaps.jobs.report.ReportJob.class, BenchJob.class})
public final class Vcaps implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        JobCommandLine.main(new Vcaps(), args);
    }
}
