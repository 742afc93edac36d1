package io.vcaps.core.vcn;

/**
 * What one training step measured: every loss term, the mean KL of present and of absent capsules, and how
 * many examples it saw. Adversarial terms are 0 when beta = 0 (no discriminator step).
 */
public record StepLosses(double margin, double reconstruction, double adversarial, double discriminator,
        double consistency, double klPresent, double klAbsent, int examples) {

    public boolean isFinite() {
        return Double.isFinite(margin) && Double.isFinite(reconstruction) && Double.isFinite(adversarial)
                && Double.isFinite(discriminator) && Double.isFinite(consistency);
    }
}
