/**
 * Synchronous parameter averaging over Spark executors, with no VCN in it: DL4J's
 * {@code ParameterAveragingTrainingMaster} generalised from one network with one loss to a list of networks trained
 * by one local step ({@link io.vcaps.jobs.averaging.LocalTraining}). Each round the driver broadcasts one byte
 * array ({@link io.vcaps.jobs.averaging.TrainingState}: parameters, Adam state and iteration counts); each worker
 * (partition i of the shards is worker i's) writes it into its networks, runs F local steps on minibatches of its
 * shard, and returns its state; {@code treeAggregate} sums the states weighted by examples
 * ({@link io.vcaps.jobs.averaging.StateSum}), and only that sum reaches the driver. A worker keeps its networks and
 * decoded shard between rounds while its executor keeps running that shard
 * ({@link io.vcaps.jobs.averaging.WorkerPool}).
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
