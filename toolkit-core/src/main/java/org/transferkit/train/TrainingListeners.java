package org.transferkit.train;

import java.nio.file.Path;

import org.transferkit.model.EpochStats;
/** Combining listeners. Stateless. */
public final class TrainingListeners {
    private TrainingListeners() {
    }

    /**
     * @param a first listener
     * @param b second listener
     * @return a listener passing every event to {@code a}, then to {@code b}
     */
    public static TrainingListener both(TrainingListener a, TrainingListener b) {
        return new TrainingListener() {
            @Override
            public void onFeaturized(int trainImages, int valImages, double seconds) {
                a.onFeaturized(trainImages, valImages, seconds);
                b.onFeaturized(trainImages, valImages, seconds);
            }

            @Override
            public void onFeatureCache(int reused, int computed, Path cacheDir) {
                a.onFeatureCache(reused, computed, cacheDir);
                b.onFeatureCache(reused, computed, cacheDir);
            }

            @Override
            public void onFeaturizeProgress(int done, int total, double seconds) {
                a.onFeaturizeProgress(done, total, seconds);
                b.onFeaturizeProgress(done, total, seconds);
            }

            @Override
            public void onBatchEnd(int epoch, int batch, int batches, double loss) {
                a.onBatchEnd(epoch, batch, batches, loss);
                b.onBatchEnd(epoch, batch, batches, loss);
            }

            @Override
            public void onTrainingPath(String path) {
                a.onTrainingPath(path);
                b.onTrainingPath(path);
            }

            @Override
            public void onResumed(int completedEpochs) {
                a.onResumed(completedEpochs);
                b.onResumed(completedEpochs);
            }

            @Override
            public void onEpochEnd(EpochStats stats) {
                a.onEpochEnd(stats);
                b.onEpochEnd(stats);
            }

            @Override
            public void onModelBuilt(String phase, org.transferkit.explain.ModelSummary summary) {
                a.onModelBuilt(phase, summary);
                b.onModelBuilt(phase, summary);
            }
        };
    }
}
