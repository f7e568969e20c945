package org.transferkit.train;


import org.transferkit.model.EpochStats;
/**
 * Receives training events. Called on the training thread; implementations must return quickly.
 * All methods have empty defaults.
 */
public interface TrainingListener {
    /**
     * Called when the network about to be trained is built: once for phase 1 (or a from-scratch run), and again
     * for phase 2 with its unfrozen blocks.
     *
     * @param phase {@code head}, {@code end-to-end} (phase 2) or {@code from-scratch}
     * @param summary its layers, shapes and trainable and frozen parameters
     */
    default void onModelBuilt(String phase, org.transferkit.explain.ModelSummary summary) {
    }
    /**
     * Called once the backbone has turned every image into features (before epoch 1).
     *
     * @param trainImages training images used
     * @param valImages validation images used
     * @param seconds time the featurizing took
     */
    default void onFeaturized(int trainImages, int valImages, double seconds) {
    }

    /**
     * Called while images go through the backbone, after each batch.
     *
     * @param done images featurized so far in this pass
     * @param total images in this pass
     * @param seconds time since the pass started
     */
    default void onFeaturizeProgress(int done, int total, double seconds) {
    }

    /**
     * Called after each training batch.
     *
     * @param epoch 1-based epoch
     * @param batch 1-based batch within the epoch
     * @param batches batches in the epoch
     * @param loss the batch's loss
     */
    default void onBatchEnd(int epoch, int batch, int batches, double loss) {
    }

    /**
     * Called after featurizing when a feature cache is in use.
     *
     * @param reused images (and augmented copies) whose features came from the cache
     * @param computed images run through the backbone
     * @param cacheDir the cache folder
     */
    default void onFeatureCache(int reused, int computed, java.nio.file.Path cacheDir) {
    }

    /**
     * Called when a run continues from a checkpoint.
     *
     * @param completedEpochs epochs the checkpoint had finished
     */
    default void onResumed(int completedEpochs) {
    }

    /**
     * Called once per network trained through the image pipeline (from scratch, phase 2), when its first epoch
     * starts: where its training steps run; and again with {@code dl4j: } if the engine's native memory is refused
     * later (a batch size whose training plan cannot be allocated), when the rest of the training moves to DL4J.
     *
     * @param path {@code engine} (the compiled engine's oneDNN training path) or {@code dl4j: } and the reason
     *     (the engine is off, what the engine's training path does not cover, or the native memory it was refused)
     */
    default void onTrainingPath(String path) {
    }

    /** @param stats what the epoch measured */
    default void onEpochEnd(EpochStats stats) {
    }

    /**
     * @param onEpoch called with each epoch's stats
     * @return a listener that only receives epoch ends
     */
    static TrainingListener onEpoch(java.util.function.Consumer<EpochStats> onEpoch) {
        return new TrainingListener() {
            @Override
            public void onEpochEnd(EpochStats stats) {
                onEpoch.accept(stats);
            }
        };
    }

    /** A listener that does nothing. */
    TrainingListener NONE = new TrainingListener() {
    };
}
