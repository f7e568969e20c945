package org.transferkit.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.engine.Engine;
import org.transferkit.engine.NativeMemoryExceeded;
import org.transferkit.engine.Runner;
import org.transferkit.engine.TrainableGraph;
import org.transferkit.runtime.CpuHelpers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Loss;
import org.transferkit.task.Task;

/**
 * End-to-end epochs through the image pipeline: images are decoded (and augmented) every epoch. Either the whole
 * graph trains (everything unfrozen, from scratch), or, after {@link #splitAt}, the frozen part up to a boundary
 * vertex runs forward only (on the compiled engine where it can, else on DL4J) and only the part above it trains
 * (unfrozen blocks and head, or just the head). After {@link #cacheBoundary} (no train-time augmentation) the
 * frozen part's output is computed once per image and reused every epoch, replayed in the pipeline's own shuffled
 * batches, so an epoch runs only the trainable part. Without a split, validation runs the whole graph on the engine.
 *
 * <p>The training metric comes from each fit's own forward pass ({@link FitOutputs}: outputs with the weights
 * before that batch's step, without dropout, as Keras and PyTorch report a running training accuracy), not from a
 * second pass; only a head whose output layer cannot be recomputed from its input falls back to a second pass.
 * The trainable part trains on the engine's training path where it covers it, else on DL4J (the listener hears which,
 * and why); if a training plan's native memory is refused mid-way ({@code NativeMemoryExceeded}, before that step
 * changed anything), what the engine trained is written back and the rest of the phase trains on DL4J.
 * {@link #close()} releases the compiled frozen part.
 */
final class PipelinePhase implements EpochLoop.Phase, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PipelinePhase.class);
    private final ComputationGraph graph;
    private final DatasetSplit data;
    private final InputShape shape;
    private final Preprocessing pre;
    private final FineTune settings;
    private final RunEnvironment env;
    private final Task task;
    private final Loss loss;
    private final Map<String, SkippedFile> skipped = new LinkedHashMap<>();
    private int trainImages;
    private int valImages;
    /** After a split: the frozen part runs here (compiled where possible) and only {@link #head} trains. */
    private Runner backbone;
    private ComputationGraph head;
    /** After {@link #cacheBoundary}: where the frozen part's output is cached; the caches, filled on first use. */
    private BoundaryCache.Spec cacheSpec;
    private BoundaryCache trainCache;
    private BoundaryCache valCache;
    /** The engine's training path for {@link #trainedOn}, or why that network trains on DL4J (null: not yet known). */
    private ComputationGraph trainedOn;
    private TrainableGraph trainable;
    private String engineFailed;
    /** The listener of the latest epoch, told when training moves to DL4J after the engine ran out of memory. */
    private TrainingListener pathListener = TrainingListener.NONE;

    PipelinePhase(ComputationGraph graph, DatasetSplit data, InputShape shape, Preprocessing pre, FineTune settings,
            RunEnvironment env, Task task) {
        this.env = env;
        this.graph = graph;
        this.data = data;
        this.shape = shape;
        this.pre = pre;
        this.settings = settings;
        this.task = task;
        this.loss = settings.head().loss();
    }

    /**
     * Trains only what lies above {@code vertex} from here on: {@link GraphCut} cuts the graph there (DL4J's
     * {@code TransferLearningHelper}, or the configuration cut where DL4J cannot copy a {@link BatchNormFreezer}
     * affine above the boundary); the part below runs forward only on a {@link Runner}. A boundary whose trainable
     * part would need more than one input (a skip connection across it) is not split: the whole graph keeps
     * training, and the reason is logged.
     *
     * @param vertex the last frozen vertex; every path from the input to the output passes through it
     * @return true if split
     */
    boolean splitAt(String vertex) {
        ComputationGraph part;
        try {
            part = GraphCut.above(graph, vertex); // DL4J's cut, or the configuration's where DL4J cannot make one
        } catch (RuntimeException e) {
            LOG.info("phase 2 trains the whole graph: it cannot be cut at {}: {}", vertex, e.toString());
            return false;
        }
        if (part.getNumInputArrays() != 1) {
            LOG.info("phase 2 trains the whole graph: its trainable part above {} has {} inputs {}", vertex,
                    part.getNumInputArrays(), part.getConfiguration().getNetworkInputs());
            return false;
        }
        CpuHelpers.apply(part, env.runtime());
        head = part;
        int index = graph.getVertex(vertex).getVertexIndex();
        backbone = new Runner(graph, vertex, x -> graph.feedForward(new INDArray[] {x}, index, false).get(vertex),
                env.runtime().engine());
        return true;
    }

    /**
     * Computes the frozen part's output once per image and reuses it every epoch (call after a successful
     * {@link #splitAt}, only without train-time augmentation). Held in memory, and in the run's disk
     * {@link FeatureCache} where there is one (keyed like phase 1's features, by the boundary vertex).
     *
     * @param spec what the boundary is, for the cache key and the shape
     */
    void cacheBoundary(BoundaryCache.Spec spec) {
        if (head == null || settings.augmentation() != null) {
            throw new IllegalStateException("boundary features are cached only after a split and without augmentation");
        }
        cacheSpec = spec;
    }

    @Override
    public ComputationGraph network() {
        return head != null ? head : graph;
    }

    /** @return the whole graph, with the head's latest weights copied in when only the head trains */
    ComputationGraph whole() {
        if (head != null) {
            Trainer.copyHeadInto(head, graph);
        }
        return graph;
    }

    @Override
    public boolean hasValidation() {
        return data.val().size() > 0;
    }

    int trainImages() {
        return trainImages;
    }

    int valImages() {
        return valImages;
    }

    List<SkippedFile> skipped() {
        return List.copyOf(skipped.values());
    }

    @Override
    public EpochLoop.Measured trainEpoch(int epoch, TrainingListener listener) {
        ComputationGraph net = network();
        pathListener = listener;
        if (trainedOn != net) {
            trainedOn = net;
            engineFailed = !Engine.enabled(env.runtime().engine()) ? "the engine is off" : null;
            closeTrainable();
            if (engineFailed != null) {
                listener.onTrainingPath("dl4j: " + engineFailed);
            }
        }
        // the path is decided on the epoch's first batch and that same pass goes on on DL4J if the engine cannot take
        // the network: each training image is decoded (and augmented) once per epoch whichever path trains it
        try (Batches train = trainBatches(epoch, listener)) {
            DataSet first = train.next();
            if (engineFailed == null && trainable == null && first != null) {
                compileTrainable(net, first.getFeatures(), listener);
            }
            Tally tally = new Tally();
            // the engine hands back the batch it could not allocate a plan for (then DL4J goes on from it), or null
            DataSet rest = engineFailed == null ? trainOnEngine(epoch, listener, train, first, tally) : first;
            if (rest != null) {
                trainOnDl4j(epoch, listener, net, train, rest, tally);
            }
            EpochLoop.Measured m = tally.measured(task);
            trainImages = m.images();
            return m;
        }
    }

    /** One epoch's training on DL4J, from {@code first} on, into {@code tally}. */
    private void trainOnDl4j(int epoch, TrainingListener listener, ComputationGraph net, Batches train, DataSet first,
            Tally tally) {
        FitOutputs fitOutputs = FitOutputs.of(net);
        int batches = (data.train().size() + settings.batchSize() - 1) / settings.batchSize();
        var old = new ArrayList<>(net.getListeners());
        if (fitOutputs != null) {
            var with = new ArrayList<>(old);
            with.add(fitOutputs);
            net.setListeners(with);
        }
        try {
            for (DataSet batch = first; batch != null; batch = train.next()) {
                net.fit(batch);
                INDArray out = fitOutputs != null ? fitOutputs.take() : null;
                tally.add(out != null ? out : net.outputSingle(false, batch.getFeatures()), batch, net.score());
                listener.onBatchEnd(epoch, tally.outs.size(), batches, net.score());
            }
        } finally {
            net.setListeners(old);
        }
    }

    /**
     * Compiles the engine's training path ({@link TrainableGraph}) for {@code net} on a first batch's shape, or
     * records why the network trains on DL4J (logged once).
     */
    private void compileTrainable(ComputationGraph net, INDArray x, TrainingListener listener) {
        if (x.rank() != 4) {
            engineFailed = "its input is not a feature map";
        } else {
            try {
                trainable = TrainableGraph.compile(net, new long[] {x.size(1), x.size(2), x.size(3)},
                        env.runtime().engine());
                LOG.info("training on the engine: {} operations on oneDNN", trainable.operations().size());
                listener.onTrainingPath("engine");
                return;
            } catch (UnsupportedOperationException e) { // NativeMemoryExceeded too: its reason is the message
                engineFailed = e.getMessage();
            }
        }
        LOG.info("training on DL4J: the engine's training path does not take this network: {}", engineFailed);
        listener.onTrainingPath("dl4j: " + engineFailed);
    }

    /**
     * One epoch on the engine's training path, from {@code first} on, into {@code tally}: the graph's weights and
     * updater state are taken at the start and written back at the end, so the epoch loop, checkpoints and validation
     * see the graph as DL4J would have left it. If the plan for a batch's size cannot get its native memory, the
     * steps trained so far are written back, the engine's memory is freed, and the rest of the phase trains on DL4J
     * (the listener hears why).
     *
     * @return the batch the engine could not train (DL4J goes on from it), or null when the epoch is done
     */
    private DataSet trainOnEngine(int epoch, TrainingListener listener, Batches train, DataSet first, Tally tally) {
        int batches = (data.train().size() + settings.batchSize() - 1) / settings.batchSize();
        if (first == null) {
            return null;
        }
        trainable.load();
        try {
            for (DataSet batch = first; batch != null; batch = train.next()) {
                TrainableGraph.Step step;
                try {
                    step = trainable.fit(batch.getFeatures(), batch.getLabels());
                } catch (NativeMemoryExceeded e) { // before the step changed anything
                    trainable.store();
                    outOfNativeMemory(e);
                    return batch;
                }
                tally.add(step.outputs(), batch, step.loss());
                listener.onBatchEnd(epoch, tally.outs.size(), batches, step.loss());
            }
        } finally {
            if (trainable != null) {
                trainable.store();
            }
        }
        return null;
    }

    /** An epoch's outputs, targets and loss, batch by batch. */
    private static final class Tally {
        final List<INDArray> outs = new ArrayList<>();
        final List<INDArray> targets = new ArrayList<>();
        double lossSum;
        int seen;

        void add(INDArray out, DataSet batch, double loss) {
            outs.add(out);
            targets.add(batch.getLabels());
            lossSum += loss * batch.numExamples();
            seen += batch.numExamples();
        }

        EpochLoop.Measured measured(Task task) {
            return seen == 0 ? EpochLoop.Measured.NONE
                    : new EpochLoop.Measured(lossSum / seen, task.score(stack(outs), stack(targets)), seen);
        }
    }

    /**
     * Gives up the engine's training path for the rest of the phase after its native memory was refused (what it
     * trained already written back): frees it and tells the listener why training goes on on DL4J.
     */
    private void outOfNativeMemory(NativeMemoryExceeded e) {
        closeTrainable();
        engineFailed = e.getMessage();
        LOG.warn("training goes on on DL4J: {}", engineFailed);
        pathListener.onTrainingPath("dl4j: " + engineFailed);
    }

    private void closeTrainable() {
        if (trainable != null) {
            trainable.close();
            trainable = null;
        }
    }

    /** One epoch's training batches, as the trainable network takes them (boundary features after a split). */
    private interface Batches extends AutoCloseable {
        /** @return the next batch, or null at the end */
        DataSet next();

        @Override
        void close();
    }

    private Batches trainBatches(int epoch, TrainingListener listener) {
        if (cacheSpec != null) {
            if (trainCache == null) {
                trainCache = BoundaryCache.compute(backbone, cacheSpec, data.train(), pre, settings, env, skipped,
                        listener);
            }
            var it = trainCache.batches(ImagePipeline.order(data.train().images(), settings.seed() + epoch, 0),
                    settings.batchSize()).iterator();
            return new Batches() {
                @Override
                public DataSet next() {
                    return it.hasNext() ? it.next() : null;
                }

                @Override
                public void close() {
                }
            };
        }
        ImagePipeline p = pipeline(data.train(), settings.seed() + epoch);
        return new Batches() {
            @Override
            public DataSet next() {
                if (!p.hasNext()) {
                    return null;
                }
                DataSet b = p.next();
                return head == null ? b : new DataSet(backbone.output(b.getFeatures()), b.getLabels());
            }

            @Override
            public void close() {
                p.skipped().forEach(f -> skipped.put(f.path().toString(), f));
                p.close();
            }
        };
    }

    @Override
    public EpochLoop.Measured validate() {
        if (!hasValidation()) {
            return EpochLoop.Measured.NONE;
        }
        try {
            return measureValidation();
        } catch (NativeMemoryExceeded e) { // the engine's plan for a validation batch: measure without it
            outOfNativeMemory(e);
            return measureValidation();
        }
    }

    /** @return the validation figures, on the engine's training path where it trains the network */
    private EpochLoop.Measured measureValidation() {
        if (cacheSpec != null) {
            if (valCache == null) {
                valCache = BoundaryCache.compute(backbone, cacheSpec, data.val(), pre, settings, env, skipped,
                        TrainingListener.NONE);
            }
            return measure(valCache.batches(valCache.images(), settings.batchSize()).stream()
                    .map(b -> new DataSet(headOutput(b.getFeatures()), b.getLabels())).toList());
        }
        List<INDArray> outs = new ArrayList<>();
        List<INDArray> targets = new ArrayList<>();
        // the weights are fixed for this pass: the whole graph runs on the compiled engine where it can (with a
        // frozen backbone, that part already does)
        // the engine's training path, when it trains this graph, also measures it (nothing compiled per epoch)
        // (not when it normalizes with batch statistics: then the stored graph runs on the inference engine)
        TrainableGraph trained = head == null && trainedOn == graph && trainable != null
                && !trainable.hasBatchStatistics() ? trainable : null;
        try (ImagePipeline p = pipeline(data.val(), Long.MIN_VALUE);
                Runner all = head == null && trained == null ? Runner.ofOutput(graph, env.runtime().engine()) : null) {
            while (p.hasNext()) {
                DataSet ds = p.next();
                outs.add(trained != null ? trained.output(ds.getFeatures()) : all != null ? all.output(ds.getFeatures())
                        : headOutput(backbone.output(ds.getFeatures())));
                targets.add(ds.getLabels());
            }
            p.skipped().forEach(f -> skipped.put(f.path().toString(), f));
        }
        List<DataSet> measured = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            measured.add(new DataSet(outs.get(i), targets.get(i)));
        }
        return measure(measured);
    }

    /** @return the trainable part's outputs on boundary features: on the engine's training path when it trains it */
    private INDArray headOutput(INDArray features) {
        return trainable != null && trainedOn == head && !trainable.hasBatchStatistics() ? trainable.output(features)
                : head.outputSingle(false, features);
    }

    /** @return the validation figures of (outputs, targets) pairs */
    private EpochLoop.Measured measure(List<DataSet> outputsAndTargets) {
        if (outputsAndTargets.isEmpty()) {
            return EpochLoop.Measured.NONE;
        }
        float[][] o = stack(outputsAndTargets.stream().map(DataSet::getFeatures).toList());
        float[][] t = stack(outputsAndTargets.stream().map(DataSet::getLabels).toList());
        valImages = o.length;
        return new EpochLoop.Measured(loss.mean(o, t), task.score(o, t), o.length);
    }

    private static float[][] stack(List<INDArray> rows) {
        return Nd4j.vstack(rows.toArray(new INDArray[0])).toFloatMatrix();
    }

    private ImagePipeline pipeline(ImageDataset d, long shuffleSeed) {
        ImagePipeline.Builder b = ImagePipeline.builder(d).shape(shape).preprocessing(pre)
                .batchSize(settings.batchSize()).threads(env.decodeThreads());
        if (shuffleSeed != Long.MIN_VALUE) {
            b.shuffle(shuffleSeed);
            if (settings.augmentation() != null) {
                b.augment(settings.augmentation(), shuffleSeed * 31);
            }
        }
        return b.build();
    }

    @Override
    public void close() {
        closeTrainable();
        if (backbone != null) {
            backbone.close();
        }
    }
}
