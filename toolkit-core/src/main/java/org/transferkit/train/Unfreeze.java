package org.transferkit.train;

/**
 * Phase 2 of fine-tuning (opt-in): after the head has been trained on the frozen backbone, train end to
 * end for {@code epochs} more epochs with the top {@code blocks} published blocks below the cut unfrozen.
 * The unfrozen blocks learn at {@code learningRate}, the head at ten times that; batch normalization stays
 * in inference mode (frozen statistics, see {@link BatchNormFreezer}). Images are decoded every epoch, so
 * augmentation, if set, draws fresh transforms each epoch. With {@code blocks = 0} the backbone stays
 * frozen and phase 2 is end-to-end augmentation only. Immutable.
 *
 * @param blocks blocks to unfreeze, from the top, >= 0 (more than the backbone has unfreezes all)
 * @param epochs phase-2 epochs, >= 1
 * @param learningRate learning rate of the unfrozen blocks, > 0
 */
public record Unfreeze(int blocks, int epochs, double learningRate) {
    /** @throws IllegalArgumentException if a value is out of range */
    public Unfreeze {
        if (blocks < 0 || epochs < 1 || !(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("unfreeze needs blocks >= 0, epochs >= 1 and a learning rate > 0; got "
                    + blocks + ", " + epochs + ", " + learningRate);
        }
    }

    /** @return the head's phase-2 learning rate: ten times the blocks' */
    public double headLearningRate() {
        return learningRate * 10;
    }

    @Override
    public String toString() {
        return "unfreeze " + blocks + " block(s) for " + epochs + " epoch(s) at lr " + learningRate + " (head "
                + headLearningRate() + ")";
    }
}
