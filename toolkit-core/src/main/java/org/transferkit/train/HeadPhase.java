package org.transferkit.train;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
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
    private final float[][] trainTargets;
    private final float[][] valTargets;

    /**
     * @param head the head: DL4J's unfrozen part of the transfer graph at the feature vertex
     *     ({@code TransferLearningHelper.unfrozenGraph()}), or a head-only network on the features
     * @param train the training features and targets, whose metric is measured after every epoch; or null to skip
     *     that pass (a cross-validation fold needs only its held-out score)
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
        this.trainTargets = train == null ? null : matrix(train.getLabels());
        this.valTargets = val == null ? null : matrix(val.getLabels());
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
        List<DataSet> batches = batches(shuffled, batchSize);
        for (int bi = 0; bi < batches.size(); bi++) {
            DataSet batch = batches.get(bi);
            head.fit(batch);
            lossSum += head.score() * batch.numExamples();
            listener.onBatchEnd(epoch, bi + 1, batches.size(), head.score());
        }
        int n = fitOn.numExamples();
        if (train == null) {
            return new EpochLoop.Measured(lossSum / n, Double.NaN, n);
        }
        INDArray out = head.outputSingle(train.getFeatures());
        return new EpochLoop.Measured(lossSum / n, task.score(matrix(out), trainTargets), n);
    }

    /**
     * Cuts a data set into consecutive batches of {@code size} examples (the last may be smaller), in order: the same
     * batches as {@link DataSet#batchBy}, by one slice per batch instead of a merge of single examples (which made
     * the batching cost more than the head's training on small heads).
     */
    static List<DataSet> batches(DataSet d, int size) {
        int n = d.numExamples();
        List<DataSet> out = new ArrayList<>((n + size - 1) / size);
        for (int from = 0; from < n; from += size) {
            int to = Math.min(n, from + size);
            out.add(new DataSet(rows(d.getFeatures(), from, to), rows(d.getLabels(), from, to)));
        }
        return out;
    }

    /** @return a rank-2 array's values by row (as {@link INDArray#toFloatMatrix}, in one copy instead of one per row) */
    static float[][] matrix(INDArray a) {
        int n = (int) a.size(0);
        int m = (int) a.size(1);
        float[] flat = a.dup('c').data().asFloat();
        float[][] out = new float[n][m];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * m, out[i], 0, m);
        }
        return out;
    }

    private static INDArray rows(INDArray a, int from, int to) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        idx[0] = NDArrayIndex.interval(from, to);
        for (int i = 1; i < idx.length; i++) {
            idx[i] = NDArrayIndex.all();
        }
        return a.get(idx).dup();
    }

    @Override
    public EpochLoop.Measured validate() {
        if (val == null) {
            return EpochLoop.Measured.NONE;
        }
        float[][] out = matrix(head.outputSingle(val.getFeatures()));
        return new EpochLoop.Measured(loss.mean(out, valTargets), task.score(out, valTargets), out.length);
    }
}
