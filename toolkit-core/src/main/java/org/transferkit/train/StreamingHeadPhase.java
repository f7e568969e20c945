package org.transferkit.train;

import java.util.Arrays;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.task.Loss;
import org.transferkit.task.Task;

/**
 * Phase 1 on features that are read, not held: every epoch passes over the training {@link FeatureSource} in an
 * order shuffled by the run's seed and the epoch number (as {@link HeadPhase} shuffles its in-memory copy), one
 * batch at a time; the training metric and the validation loss and metric are then measured in further passes, batch
 * by batch. At most one batch of vectors is on the heap here (plus what the source holds to serve it). Single-label
 * only: accuracy and the mean loss are means over vectors, so the batch-weighted means are the exact whole-set
 * figures.
 */
final class StreamingHeadPhase implements EpochLoop.Phase {
    /** Vectors per forward pass when measuring. */
    private static final int MEASURE_BATCH = 256;

    private final ComputationGraph head;
    private final boolean choosesEpoch;
    private final FeatureSource train;
    private final FeatureSource val;
    private final Task task;
    private final Loss loss;
    private final FineTune settings;
    private final long[] shape;

    /**
     * @param head the head: DL4J's unfrozen part of the transfer graph at the feature vertex
     * @param train the training vectors
     * @param val the validation vectors, or null
     * @param task the task (single-label)
     * @param loss the head's loss (for the validation loss)
     * @param settings batch size, seed and label smoothing of the run
     * @param shape the per-vector shape the head reads (its product is the sources' length)
     * @param choosesEpoch whether the validation score picks the kept epoch (false: measured and reported only)
     */
    StreamingHeadPhase(ComputationGraph head, FeatureSource train, FeatureSource val, Task task, Loss loss,
            FineTune settings, long[] shape, boolean choosesEpoch) {
        this.head = head;
        this.train = train;
        this.val = val;
        this.task = task;
        this.loss = loss;
        this.settings = settings;
        this.shape = shape.clone();
        this.choosesEpoch = choosesEpoch;
    }

    @Override
    public ComputationGraph network() {
        return head;
    }

    @Override
    public boolean hasValidation() {
        return val != null;
    }

    @Override
    public boolean choosesEpoch() {
        return val != null && choosesEpoch;
    }

    @Override
    public EpochLoop.Measured trainEpoch(int epoch, TrainingListener listener) {
        int batches = (train.size() + settings.batchSize() - 1) / settings.batchSize();
        double lossSum = 0;
        int n = 0;
        int bi = 0;
        try (FeatureSource.Batches pass = train.shuffled(settings.batchSize(), settings.seed() + epoch)) {
            while (pass.hasNext()) {
                FeatureSource.FeatureBatch batch = pass.next();
                head.fit(dataSet(batch, settings.labelSmoothing()));
                lossSum += head.score() * batch.size();
                n += batch.size();
                listener.onBatchEnd(epoch, ++bi, batches, head.score());
            }
        }
        return new EpochLoop.Measured(lossSum / n, measure(train).metric(), n);
    }

    @Override
    public EpochLoop.Measured validate() {
        return val == null ? EpochLoop.Measured.NONE : measure(val);
    }

    /** @return the loss and metric of the current weights over every vector of {@code source}, batch by batch */
    private EpochLoop.Measured measure(FeatureSource source) {
        double lossSum = 0;
        double metricSum = 0;
        int n = 0;
        try (FeatureSource.Batches pass = source.inOrder(MEASURE_BATCH)) {
            while (pass.hasNext()) {
                FeatureSource.FeatureBatch batch = pass.next();
                DataSet ds = dataSet(batch, 0);
                float[][] out = head.outputSingle(ds.getFeatures()).toFloatMatrix();
                float[][] targets = ds.getLabels().toFloatMatrix();
                lossSum += loss.mean(out, targets) * batch.size();
                metricSum += task.score(out, targets) * batch.size();
                n += batch.size();
            }
        }
        return new EpochLoop.Measured(lossSum / n, metricSum / n, n);
    }

    /** @return the batch as the head reads it, one-hot targets smoothed by {@code smoothing} */
    private DataSet dataSet(FeatureSource.FeatureBatch batch, double smoothing) {
        int classes = train.labels().size();
        long[] full = new long[shape.length + 1];
        full[0] = batch.size();
        System.arraycopy(shape, 0, full, 1, shape.length);
        float off = (float) (smoothing / classes);
        float[][] targets = new float[batch.size()][classes];
        for (int i = 0; i < batch.size(); i++) {
            Arrays.fill(targets[i], off);
            targets[i][batch.labels()[i]] += (float) (1 - smoothing);
        }
        return new DataSet(Nd4j.create(batch.features(), full, 'c'), Nd4j.create(targets));
    }
}
