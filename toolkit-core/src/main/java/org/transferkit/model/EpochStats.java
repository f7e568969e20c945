package org.transferkit.model;

/**
 * What one epoch measured.
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean training loss over the epoch's batches
 * @param trainAccuracy accuracy on the training images, measured in the same pass (dropout on)
 * @param valLoss mean cross-entropy on the validation images, NaN when there are none
 * @param valAccuracy accuracy on the validation images, NaN when there are none
 * @param seconds wall time of the epoch
 * @param learningRate the learning rate used in the epoch
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
        double seconds, double learningRate) {
}
