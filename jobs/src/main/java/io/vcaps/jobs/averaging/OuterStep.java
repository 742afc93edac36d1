package io.vcaps.jobs.averaging;

import java.io.Serializable;

/**
 * The outer optimizer's settings for one network: SGD with (Nesterov) momentum on the averaged change, as in
 * DiLoCo (Douillard et al. 2023) and slow momentum (Wang et al. 2019). Off: the network's parameters are the plain
 * average, as without an outer optimizer.
 *
 * @param enabled      whether this network's parameters take the outer step
 * @param learningRate the outer learning rate (1 with momentum 0 is plain averaging)
 * @param momentum     the outer momentum μ
 * @param nesterov     Nesterov's momentum (the update is Δ + μ v) rather than heavy-ball (v)
 */
public record OuterStep(boolean enabled, double learningRate, double momentum, boolean nesterov)
        implements Serializable {

    /** No outer step: plain averaging. */
    public static final OuterStep OFF = new OuterStep(false, 1.0, 0.0, false);

    public OuterStep {
        if (enabled && !(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("the outer learning rate must be positive, got " + learningRate);
        }
        if (enabled && !(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("the outer momentum must be in [0, 1), got " + momentum);
        }
    }

    /** As recorded in metrics and checkpoints. */
    public String describe() {
        return enabled ? "lr " + learningRate + ", momentum " + momentum + (nesterov ? ", nesterov" : "") : "off";
    }
}
