/**
 * Synchronous parameter averaging over Spark executors, with no VCN in it: DL4J's
 * {@code ParameterAveragingTrainingMaster} generalised from one network with one loss to a list of networks trained
 * by one local step ({@link io.vcaps.jobs.averaging.LocalTraining}). Each round the driver broadcasts one byte
 * array ({@link io.vcaps.jobs.averaging.TrainingState}: parameters, Adam state and iteration counts); each worker
 * (partition i of the shards is worker i's) writes it into its networks, runs H local steps on minibatches of its
 * shard, and cuts its new state into chunks ({@link io.vcaps.jobs.averaging.StateChunks}); a shuffle brings chunk c
 * of every worker, sorted by worker, to one reduce task, which averages it weighted by examples
 * ({@link io.vcaps.jobs.averaging.ChunkAverage}), and the driver collects the means: one state per round whatever
 * the number of workers, the same bits wherever the tasks ran. An optional outer optimizer
 * ({@link io.vcaps.jobs.averaging.OuterOptimizer}) takes the averaged change as a gradient. An executor keeps one
 * set of networks per task slot ({@link io.vcaps.jobs.averaging.WorkerPool}) and, apart from them, each shard it
 * keeps running ({@link io.vcaps.jobs.averaging.ShardCache}), so logical workers can far outnumber the cores.
 *
 * <p>Data order and noise are functions of (seed, round, worker) alone ({@link io.vcaps.jobs.averaging.MinibatchOrder},
 * {@link io.vcaps.jobs.averaging.Seeds}), so a round gives the same result whenever it runs, which is what makes a
 * resumed run exact. Against DL4J's master ({@code Dl4jParameterAveragingTest}): with one plain
 * {@code ComputationGraph} as the local step, the same partitions and averaging frequency give the same parameters
 * and Adam state to within 1e-6. One difference is deliberate: DL4J's workers rebuild the network from
 * {@code configuration.clone()}, which does not copy the iteration count, so every DL4J round restarts Adam's bias
 * correction; we carry the averaged iteration counts into the workers, so that one worker averaging every step is
 * exactly local training ({@code ParameterAveragingAlgorithmTest} checks every round against the algorithm written
 * out, on both Spark lines; the DL4J comparison needs dl4j-spark, which exists for Spark 3 alone). May import
 * {@code io.vcaps.spark}; not core, not {@code jobs.train}.
 */
package io.vcaps.jobs.averaging;
