package org.transferkit.train;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.task.Loss;
import org.transferkit.task.Task;

/**
 * Phase 1: the head trains on cached backbone features, so an epoch costs a fraction of a forward pass through
 * the backbone. The features are in memory; each epoch shuffles them with the run's seed and the epoch number.
 */
final class HeadPhase implements EpochLoop.Phase {
    private final ComputationGraph head;
    private final boolean choosesEpoch;
    private final DataSet train;
    private final DataSet fitOn;
    private final DataSet val;
    private final Task task;
    private final Loss loss;
    private final int batchSize;
    private final long seed;

    /**
     * @param head the head: DL4J's unfrozen part of the transfer graph at the feature vertex
     *     ({@code TransferLearningHelper.unfrozenGraph()}), or a head-only network on the features
     * @param train the training features and targets
     * @param fitOn what the head fits (the training set, with smoothed labels where asked)
     * @param val the validation features and targets, or null
     * @param task the task
     * @param loss the head's loss (for the validation loss)
     * @param batchSize examples per step
     * @param seed the run's seed
     * @param choosesEpoch whether the validation score picks the kept epoch and stops early (false: it is measured
     *     and reported only, and the last epoch is kept)
     */
    HeadPhase(ComputationGraph head, DataSet train, DataSet fitOn, DataSet val, Task task, Loss loss,
            int batchSize, long seed, boolean choosesEpoch) {
        this.head = head;
        this.choosesEpoch = choosesEpoch;
        this.train = train;
        this.fitOn = fitOn;
        this.val = val;
        this.task = task;
        this.loss = loss;
        this.batchSize = batchSize;
        this.seed = seed;
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
        DataSet shuffled = fitOn.copy();
        shuffled.shuffle(seed + epoch);
        double lossSum = 0;
        List<DataSet> batches = shuffled.batchBy(batchSize);
        for (int bi = 0; bi < batches.size(); bi++) {
            DataSet batch = batches.get(bi);
            head.fit(batch);
            lossSum += head.score() * batch.numExamples();
            listener.onBatchEnd(epoch, bi + 1, batches.size(), head.score());
        }
        INDArray out = head.outputSingle(train.getFeatures());
        int n = train.numExamples();
        return new EpochLoop.Measured(lossSum / n, task.score(out.toFloatMatrix(), train.getLabels().toFloatMatrix()), n);
    }

    @Override
    public EpochLoop.Measured validate() {
        if (val == null) {
            return EpochLoop.Measured.NONE;
        }
        float[][] out = head.outputSingle(val.getFeatures()).toFloatMatrix();
        float[][] targets = val.getLabels().toFloatMatrix();
        return new EpochLoop.Measured(loss.mean(out, targets), task.score(out, targets), out.length);
    }
}
