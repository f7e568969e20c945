package org.transferkit.train;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transferkit.engine.Engine;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.TrainableGraph;
import org.transferkit.task.Loss;
import org.transferkit.task.Task;

/**
 * Phase 1: the head trains on cached backbone features, so an epoch costs a fraction of a forward pass through
 * the backbone. The features are in memory; each epoch shuffles them with the run's seed and the epoch number.
 *
 * <p>Given an engine mode that trains on oneDNN, the head trains on the engine's training path ({@link TrainableGraph}:
 * the same batches, dropout draws and optimizer as DL4J's {@code fit}, without DL4J's per-call overhead, which is most
 * of a step's time for a head this small), and is measured on it; where that path does not cover the head (a loss
 * other than unweighted softmax cross-entropy, an optimizer it does not know) it trains on DL4J, and
 * {@link #trainingPath()} says why. The head's DL4J network stays the model of record: its weights and updater state
 * are loaded at each epoch's start and written back at its end. {@link #close()} frees the engine's plans.
 */
final class HeadPhase implements EpochLoop.Phase, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadPhase.class);
    /** Batch sizes a head's plans are kept for: training batches, the last one, the held-out and training sets. */
    private static final int PLANS_KEPT = 4;
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
    private final EngineMode engine;
    /** The engine's training path, once compiled; {@link #path} says which path trains (null: not decided yet). */
    private TrainableGraph trainable;
    private String path;

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
        this(head, train, fitOn, val, task, loss, batchSize, seed, choosesEpoch, null);
    }

    /**
     * As the constructor without an engine mode, training on the engine's training path where {@code engine} trains on
     * oneDNN and the path covers the head (else on DL4J, with the reason in {@link #trainingPath()}).
     *
     * @param engine the run's engine mode, or null to train on DL4J
     */
    HeadPhase(ComputationGraph head, DataSet train, DataSet fitOn, DataSet val, Task task, Loss loss,
            int batchSize, long seed, boolean choosesEpoch, EngineMode engine) {
        this.engine = engine;
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
        if (path == null) {
            choosePath(listener);
        }
        DataSet shuffled = fitOn.copy();
        shuffled.shuffle(seed + epoch);
        double lossSum = 0;
        List<DataSet> batches = batches(shuffled, batchSize);
        if (trainable != null) {
            trainable.load();
        }
        try {
            for (int bi = 0; bi < batches.size(); bi++) {
                DataSet batch = batches.get(bi);
                double score;
                if (trainable != null) {
                    score = trainable.fit(asMaps(batch.getFeatures()), batch.getLabels()).loss();
                } else {
                    head.fit(batch);
                    score = head.score();
                }
                lossSum += score * batch.numExamples();
                listener.onBatchEnd(epoch, bi + 1, batches.size(), score);
            }
        } finally {
            if (trainable != null) {
                trainable.store();
            }
        }
        int n = fitOn.numExamples();
        if (train == null) {
            return new EpochLoop.Measured(lossSum / n, Double.NaN, n);
        }
        return new EpochLoop.Measured(lossSum / n, task.score(matrix(output(train.getFeatures())), trainTargets), n);
    }

    /** @return {@code engine} or {@code dl4j: why}: the path that trains the head (null before the first epoch) */
    String trainingPath() {
        return path;
    }

    private void choosePath(TrainingListener listener) {
        if (engine == null || !Engine.enabled(engine)) {
            path = "dl4j: " + (engine == null ? "no engine mode given" : "the engine is off");
        } else {
            try {
                trainable = TrainableGraph.compile(head, inputShape(fitOn.getFeatures()), engine, PLANS_KEPT);
                path = "engine";
            } catch (UnsupportedOperationException e) {
                path = "dl4j: " + e.getMessage();
            }
        }
        LOG.debug("head trains on {}", path);
        listener.onTrainingPath(path);
    }

    /** @return one example's shape as the engine takes it: {C, H, W}, a vector of n values as {n, 1, 1} */
    private static long[] inputShape(INDArray features) {
        long[] s = features.shape();
        return s.length == 4 ? new long[] {s[1], s[2], s[3]} : new long[] {features.length() / s[0], 1, 1};
    }

    /** @return the features as the engine takes them: rank 4, a vector per example as n x 1 x 1 */
    private static INDArray asMaps(INDArray features) {
        return features.rank() == 4 ? features : features.reshape('c', features.size(0), features.length() / features.size(0), 1, 1);
    }

    /** @return the head's outputs with the current weights (no dropout), on the path that trains it */
    private INDArray output(INDArray features) {
        return trainable != null ? trainable.output(asMaps(features)) : head.outputSingle(features);
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
        float[][] out = matrix(output(val.getFeatures()));
        return new EpochLoop.Measured(loss.mean(out, valTargets), task.score(out, valTargets), out.length);
    }

    /** Frees the engine's training path, if the head trained on it (the DL4J network is the caller's). Idempotent. */
    @Override
    public void close() {
        if (trainable != null) {
            trainable.close();
            trainable = null;
        }
    }
}
