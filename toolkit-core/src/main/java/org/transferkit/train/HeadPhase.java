package org.transferkit.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transferkit.engine.Engine;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.NativeMemoryExceeded;
import org.transferkit.engine.TrainableGraph;
import org.transferkit.task.Loss;
import org.transferkit.task.Task;

/**
 * Phase 1: the head trains on cached backbone features, so an epoch costs a fraction of a forward pass through
 * the backbone. The features are in memory; each epoch shuffles them with the run's seed and the epoch number.
 *
 * <p>Given an engine mode that trains on oneDNN, the head trains on the engine's training path ({@link TrainableGraph}:
 * the same batches, dropout draws and optimizer as DL4J's {@code fit}, without DL4J's per-call overhead, which is most
 * of a step's time for a head this small), and is measured on it; where that path does not cover the head (an
 * output activation and loss it does not compute, an optimizer it does not know) it trains on DL4J, and
 * {@link #trainingPath()} says why; so it does when the engine's native memory is refused mid-way (what the engine
 * trained is written back first, and DL4J goes on from the step that could not run). The head's DL4J network stays
 * the model of record: its weights and updater state are taken when the first epoch starts and written back whenever
 * the epoch loop reads them (a kept epoch, a checkpoint, the end: {@link #syncNetwork()}), so it reads them as DL4J
 * would have left them; nothing else may change them in between. {@link #close()} frees the engine's plans.
 */
final class HeadPhase implements EpochLoop.Phase, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadPhase.class);
    /** Batch sizes a head's plans are kept for: training batches, the last one, the held-out and training sets. */
    private static final int PLANS_KEPT = 4;
    /**
     * Shuffled orders by (count, seed), a pure function: a search's folds and candidates of one size share them, and an
     * ND4J shuffle per epoch costs more than a small head's epoch. The most recent few hundred are kept.
     */
    private static final Map<List<Long>, int[]> ORDERS = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f,
            true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Long>, int[]> eldest) {
            return size() > 512;
        }
    });
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
    /** On the engine: the features and targets as plain row-major arrays, made once. */
    private float[] fitX;
    private float[] fitY;
    private float[] valX;
    private float[] trainX;
    /** The engine has trained steps the DL4J network does not have yet. */
    private boolean dirty;
    /** The listener of the latest epoch, told when training moves to DL4J after the engine ran out of memory. */
    private TrainingListener pathListener = TrainingListener.NONE;

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
     * @param engine the run's engine mode: the head trains on the engine's training path where the mode trains on
     *     oneDNN and the path covers the head, else on DL4J (the reason in {@link #trainingPath()}); null for DL4J
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
        pathListener = listener;
        if (path == null) {
            choosePath(listener);
        }
        double lossSum = trainable != null ? trainOnEngine(epoch, listener) : trainOnDl4j(epoch, listener, 0, 0);
        int n = fitOn.numExamples();
        if (train == null) {
            return new EpochLoop.Measured(lossSum / n, Double.NaN, n);
        }
        return new EpochLoop.Measured(lossSum / n, task.score(output(train), trainTargets), n);
    }

    /**
     * @param fromBatch the first batch of the epoch's to train (0: all; later ones after the engine trained those
     *     before)
     * @param lossSum the summed loss of the batches before it
     * @return the epoch's summed loss (mean per batch times its examples), trained by DL4J's {@code fit}
     */
    private double trainOnDl4j(int epoch, TrainingListener listener, int fromBatch, double lossSum) {
        DataSet shuffled = fitOn.copy();
        shuffled.shuffle(seed + epoch);
        List<DataSet> batches = batches(shuffled, batchSize);
        for (int bi = fromBatch; bi < batches.size(); bi++) {
            DataSet batch = batches.get(bi);
            head.fit(batch);
            lossSum += head.score() * batch.numExamples();
            listener.onBatchEnd(epoch, bi + 1, batches.size(), head.score());
        }
        return lossSum;
    }

    /**
     * The same epoch on the engine's training path: the same shuffled order ({@link #order}) and consecutive batches,
     * each gathered into plain arrays; the head's weights and updater state are taken from its DL4J network at the
     * first epoch and written back when the epoch loop reads them ({@link #syncNetwork()}; nothing else changes them
     * in between). If a batch size's plan cannot get its native memory, the steps so far are written back, the engine
     * is freed and DL4J trains the rest ({@link #trainingPath()} says why).
     *
     * @return the epoch's summed loss
     */
    private double trainOnEngine(int epoch, TrainingListener listener) {
        if (fitX == null) {
            fitX = flat(fitOn.getFeatures());
            fitY = flat(fitOn.getLabels());
            trainable.load();
        }
        int n = fitOn.numExamples();
        int width = fitX.length / n;
        int k = fitY.length / n;
        int[] order = order(n, seed + epoch);
        int batches = (n + batchSize - 1) / batchSize;
        double lossSum = 0;
        dirty = true;
        for (int from = 0, bi = 1; from < n; from += batchSize, bi++) {
            int m = Math.min(batchSize, n - from);
            float[] x = new float[m * width];
            float[] y = new float[m * k];
            for (int r = 0; r < m; r++) {
                System.arraycopy(fitX, order[from + r] * width, x, r * width, width);
                System.arraycopy(fitY, order[from + r] * k, y, r * k, k);
            }
            double loss;
            try {
                loss = trainable.fit(x, y, m);
            } catch (NativeMemoryExceeded e) { // before the step changed anything
                outOfNativeMemory(e);
                return trainOnDl4j(epoch, listener, bi - 1, lossSum);
            }
            lossSum += loss * m;
            listener.onBatchEnd(epoch, bi, batches, loss);
        }
        return lossSum;
    }

    /** Writes the weights and updater state the engine trained back into the head's DL4J network, if they changed. */
    @Override
    public void syncNetwork() {
        if (trainable != null && dirty) {
            trainable.store();
            dirty = false;
        }
    }

    /**
     * @return the order {@link DataSet#shuffle(long)} puts n examples in for {@code shuffleSeed} (its permutation
     *     depends on the count and the seed only): what {@link #trainOnDl4j} trains in
     */
    static int[] order(int n, long shuffleSeed) {
        return ORDERS.computeIfAbsent(List.of((long) n, shuffleSeed), key -> shuffled(n, shuffleSeed)).clone();
    }

    private static int[] shuffled(int n, long shuffleSeed) {
        INDArray index = Nd4j.arange(n).castTo(DataType.FLOAT).reshape(n, 1);
        DataSet d = new DataSet(index, index.dup());
        d.shuffle(shuffleSeed);
        float[] f = flat(d.getFeatures());
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = (int) f[i];
        }
        return order;
    }

    private static float[] flat(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    /**
     * @return {@code engine} or {@code dl4j: why}: the path that trains the head (null before the first epoch); the
     *     DL4J path and why from the point where the engine's native memory was refused, if it was
     */
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
            } catch (UnsupportedOperationException e) { // NativeMemoryExceeded too: its reason is the message
                path = "dl4j: " + e.getMessage();
            }
        }
        LOG.debug("head trains on {}", path);
        listener.onTrainingPath(path);
    }

    /**
     * Gives up the engine's path after its native memory was refused: writes what it trained back into the head's
     * DL4J network, frees it, and reports the path DL4J now trains on.
     */
    private void outOfNativeMemory(NativeMemoryExceeded e) {
        syncNetwork();
        close();
        path = "dl4j: " + e.getMessage();
        LOG.warn("the head's training goes on on DL4J: {}", e.getMessage());
        pathListener.onTrainingPath(path);
    }

    /** @return one example's shape as the engine takes it: {C, H, W}, a vector of n values as {n, 1, 1} */
    private static long[] inputShape(INDArray features) {
        long[] s = features.shape();
        return s.length == 4 ? new long[] {s[1], s[2], s[3]} : new long[] {features.length() / s[0], 1, 1};
    }

    /** @return the head's outputs on a set's features with the current weights (no dropout), by row */
    private float[][] output(DataSet d) {
        if (trainable == null) {
            return matrix(head.outputSingle(d.getFeatures()));
        }
        float[] x;
        if (d == val) {
            x = valX = valX != null ? valX : flat(d.getFeatures());
        } else {
            x = trainX = trainX != null ? trainX : flat(d.getFeatures());
        }
        int n = d.numExamples();
        float[] z;
        try {
            z = trainable.output(x, n);
        } catch (NativeMemoryExceeded e) { // the plan for the whole set: measure it on DL4J
            outOfNativeMemory(e);
            return output(d);
        }
        int k = z.length / n;
        float[][] out = new float[n][k];
        for (int i = 0; i < n; i++) {
            System.arraycopy(z, i * k, out[i], 0, k);
        }
        return out;
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
        float[][] out = output(val);
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
