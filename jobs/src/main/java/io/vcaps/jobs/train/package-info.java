/**
 * {@code vcaps train}: parameter-averaging training of E, G and D over the executors, DL4J's
 * {@code ParameterAveragingTrainingMaster} generalised from one network with one loss to a list of networks trained
 * by one local step ({@code ParameterAveraging}, generic; {@code VcnTraining} is its VCN instance), with exact
 * {@code --resume} from checkpoints. May import core and {@code io.vcaps.spark}.
 */
package io.vcaps.jobs.train;

import io.vcaps.jobs.averaging.ParameterAveraging;
