package org.transferkit.train;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.task.Loss;
import org.transferkit.task.Task;

/**
 * Phase 1: the head trains on cached backbone features, so an epoch costs a fraction of a forward pass through
 * the backbone. The features are in memory; each epoch shuffles them with the run's seed and the epoch number.
 */
final class HeadPhase implements EpochLoop.Phase {
    private final TransferLearningHelper helper;
    private final ComputationGraph head;
    private final DataSet train;
    private final DataSet fitOn;
    private final DataSet val;
    private final Task task;
    private final Loss loss;
    private final int batchSize;
    private final long seed;

    /**
     * @param helper DL4J's split of the transfer graph at the feature vertex
     * @param train the training features and targets
     * @param fitOn what the head fits (the training set, with smoothed labels where asked)
     * @param val the validation features and targets, or null
     * @param task the task
     * @param loss the head's loss (for the validation loss)
     * @param batchSize examples per step
     * @param seed the run's seed
     */
    HeadPhase(TransferLearningHelper helper, DataSet train, DataSet fitOn, DataSet val, Task task, Loss loss,
            int batchSize, long seed) {
        this.helper = helper;
        this.head = helper.unfrozenGraph();
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
    public EpochLoop.Measured trainEpoch(int epoch, TrainingListener listener) {
        DataSet shuffled = fitOn.copy();
        shuffled.shuffle(seed + epoch);
        double lossSum = 0;
        List<DataSet> batches = shuffled.batchBy(batchSize);
        for (int bi = 0; bi < batches.size(); bi++) {
            DataSet batch = batches.get(bi);
            helper.fitFeaturized(batch);
            lossSum += head.score() * batch.numExamples();
            listener.onBatchEnd(epoch, bi + 1, batches.size(), head.score());
        }
        INDArray out = helper.outputFromFeaturized(train.getFeatures());
        int n = train.numExamples();
        return new EpochLoop.Measured(lossSum / n, task.score(out.toFloatMatrix(), train.getLabels().toFloatMatrix()), n);
    }

    @Override
    public EpochLoop.Measured validate() {
        if (val == null) {
            return EpochLoop.Measured.NONE;
        }
        float[][] out = helper.outputFromFeaturized(val.getFeatures()).toFloatMatrix();
        float[][] targets = val.getLabels().toFloatMatrix();
        return new EpochLoop.Measured(loss.mean(out, targets), task.score(out, targets), out.length);
    }
}
