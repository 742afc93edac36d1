/**
 * {@code vcaps train}: parameter-averaging training of E, G and D over the executors, DL4J's
 * {@code ParameterAveragingTrainingMaster} generalised from one network with one loss to a list of networks trained
 * by one local step ({@code ParameterAveraging}, generic; {@code VcnTraining} is its VCN instance), with exact
 * {@code --resume} from checkpoints ({@code RoundLoop}; {@code RunRecorder} writes the run's record). A worker
 * keeps its networks and its decoded shard between rounds and limits ND4J to its share of the executor's cores. May
 * import core, {@code io.vcaps.dataset}, {@code jobs.averaging}, {@code jobs.run} and {@code io.vcaps.spark}.
 */
package io.vcaps.jobs.train;

import io.vcaps.jobs.averaging.ParameterAveraging;
