package org.transferkit.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.ClassBalance;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.model.Task;
import org.transferkit.runtime.CpuHelpers;
import org.transferkit.engine.Runner;
import org.transferkit.model.TaskMetrics;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;

import org.transferkit.model.EpochStats;
/**
 * Phase 2 of fine-tuning: end-to-end epochs through the image pipeline with the top blocks of the backbone
 * unfrozen (see {@link Unfreeze}), continuing from the phase-1 head. The phase-1 model is the baseline: an
 * epoch is kept only if it beats it on validation accuracy, so phase 2 never loses what phase 1 trained.
 * Stateless.
 */
final class EndToEnd {
    private EndToEnd() {
    }

    /**
     * @param backbone the backbone phase 1 used
     * @param data the same split
     * @param settings the settings, with {@link FineTune#unfreeze()} set
     * @param phase1 phase 1's result (its graph is read, not modified)
     * @param listener progress events; epochs are numbered after phase 1's
     * @return the result: the best of phase 1 and every phase-2 epoch
     * @throws TransferKitException if the backbone cannot be loaded
     */
    static TrainingResult fit(Backbone backbone, DatasetSplit data, FineTune settings, TrainingResult phase1,
            TrainingListener listener) throws TransferKitException {
        Unfreeze u = settings.unfreeze();
        CutPoint cut = phase1.cutPoint();
        ComputationGraph backboneGraph = backbone.loadGraph();
        String freezeUpTo = boundary(backbone, backboneGraph, cut, u.blocks());
        List<String> labels = phase1.labels();
        double[] weights = settings.classWeights() ? ClassBalance.weights(data.train().classCounts()) : null;
        Nd4j.getRandom().setSeed(settings.seed());
        ComputationGraph graph = TransferModel.build(backboneGraph, cut, settings.head(), labels.size(),
                settings.optimizer().updater(u.headLearningRate()), settings.seed(), weights, settings.weightDecay(),
                freezeUpTo, settings.optimizer().updater(u.learningRate()));
        for (GraphVertex v : phase1.graph().getVertices()) { // continue from the phase-1 head
            if (v.getVertexName().startsWith("tk_") && v.hasLayer() && v.getLayer().numParams() > 0) {
                graph.getLayer(v.getVertexName()).setParams(v.getLayer().params().dup());
            }
        }
        graph = BatchNormFreezer.freeze(graph);
        CpuHelpers.apply(graph);
        Trainer.announce(listener, "end-to-end", graph, backbone);

        int bestEpoch = phase1.bestEpoch();
        double baseline = phase1.history().isEmpty() || data.val().size() == 0 ? Double.NEGATIVE_INFINITY
                : phase1.history().get(bestEpoch - 1).valAccuracy();
        Run run = new Run(graph, data, backbone.inputShape(), phase1.preprocessing(), settings, phase1.task(), listener);
        if (u.blocks() == 0) { // nothing below the cut trains: the backbone runs on the compiled engine, the head on DL4J
            boolean pooled = cut.spatial() && settings.head().pooling() != HeadSpec.Pooling.FLATTEN;
            run.frozenBackbone(pooled ? TransferModel.POOL : cut.vertex());
        }
        try {
            // null schedule: the updaters keep their two learning rates (blocks, head); the log shows the head's
            run.epochs(phase1.history(), phase1.history().size() + 1, u.epochs(), null, u.headLearningRate(), baseline,
                    bestEpoch, 0);
        } finally {
            run.close();
        }
        if (!run.improved && data.val().size() > 0) {
            return new TrainingResult(phase1.graph(), labels, cut, List.copyOf(run.history), run.bestEpoch,
                    phase1.trainImages(), phase1.valImages(), phase1.skipped(), phase1.frozenLayers(),
                    phase1.preprocessing(), phase1.task(), null);
        }
        graph.setParams(run.best);
        return new TrainingResult(graph, labels, cut, List.copyOf(run.history), run.bestEpoch, phase1.trainImages(),
                phase1.valImages(), phase1.skipped(), Trainer.frozenLayers(graph), phase1.preprocessing(), phase1.task(),
                null);
    }

    /**
     * Trains a backbone that {@link Backbone#trainsFromScratch() trains from scratch} end to end with its head:
     * nothing frozen, every epoch through the image pipeline, the learning-rate schedule and early stopping as in
     * phase 1; the weights of the best validation epoch are kept.
     *
     * @param backbone the network (its fresh random weights are the start)
     * @param data the split
     * @param settings the settings ({@link FineTune#unfreeze()} and the feature cache do not apply)
     * @param listener progress events
     * @return the result; {@code frozenLayers} is empty
     * @throws TransferKitException if the backbone cannot be built
     */
    static TrainingResult fromScratch(Backbone backbone, DatasetSplit data, FineTune settings,
            TrainingListener listener) throws TransferKitException {
        if (settings.unfreeze() != null) {
            throw new IllegalArgumentException("backbone '" + backbone.id() + "' trains from scratch with nothing frozen; "
                    + "unfreezing (phase 2) does not apply");
        }
        CutPoint cut = settings.cutPoint() == null ? backbone.defaultCutPoint() : backbone.cutPoint(settings.cutPoint());
        List<String> labels = data.train().labels();
        double[] weights = settings.classWeights() ? ClassBalance.weights(data.train().classCounts()) : null;
        Nd4j.getRandom().setSeed(settings.seed());
        ComputationGraph graph = TransferModel.build(backbone.loadGraph(), cut, settings.head(), labels.size(),
                settings.optimizer().updater(settings.learningRate()), settings.seed(), weights, settings.weightDecay(),
                null, settings.optimizer().updater(settings.learningRate()));
        CpuHelpers.apply(graph);
        Trainer.announce(listener, "from-scratch", graph, backbone);
        Preprocessing pre = settings.preprocessing() != null ? settings.preprocessing() : backbone.preprocessing();
        Run run = new Run(graph, data, backbone.inputShape(), pre, settings, data.train().task(), listener);
        run.epochs(List.of(), 1, settings.epochs(),
                e -> settings.schedule().at(settings.learningRate(), e, settings.epochs()), Double.NaN,
                Double.NEGATIVE_INFINITY, 0, settings.patience());
        graph.setParams(run.best);
        return new TrainingResult(graph, labels, cut, List.copyOf(run.history), run.bestEpoch, run.trainImages,
                run.valImages, List.copyOf(run.skipped.values()), List.of(), pre, data.train().task(), null);
    }

    /**
     * @return the last vertex to keep frozen: the end of block {@code k - blocks - 1} among the k published blocks
     *     below the cut; the cut itself for 0 blocks; null to unfreeze everything
     */
    static String boundary(Backbone backbone, ComputationGraph graph, CutPoint cut, int blocks) {
        Set<String> below = TransferModel.ancestors(graph.getConfiguration().getVertexInputs(), cut.vertex());
        List<CutPoint> usable = new ArrayList<>();
        for (CutPoint b : backbone.blocks()) {
            if (below.contains(b.vertex())) {
                usable.add(b);
            }
        }
        if (blocks == 0) {
            return cut.vertex();
        }
        if (usable.isEmpty()) {
            throw new IllegalArgumentException("backbone '" + backbone.id() + "' publishes no blocks below cut point "
                    + cut.name() + ", so none can be unfrozen; use 0 blocks (end-to-end augmentation only)");
        }
        return blocks >= usable.size() ? null : usable.get(usable.size() - blocks - 1).vertex();
    }

    /** One end-to-end training run over the pipeline: the epoch loop, its history and the best weights. */
    private static final class Run {
        final ComputationGraph graph;
        final DatasetSplit data;
        final InputShape shape;
        final Preprocessing pre;
        final FineTune settings;
        final Task task;
        final TrainingListener listener;
        final List<EpochStats> history = new ArrayList<>();
        final Map<String, SkippedFile> skipped = new LinkedHashMap<>();
        INDArray best;
        int bestEpoch;
        boolean improved;
        int trainImages;
        int valImages;
        /** With a frozen backbone: it runs here (compiled where possible) and only {@link #head} trains. */
        Runner backbone;
        ComputationGraph head;

        Run(ComputationGraph graph, DatasetSplit data, InputShape shape, Preprocessing pre, FineTune settings, Task task,
                TrainingListener listener) {
            this.graph = graph;
            this.data = data;
            this.shape = shape;
            this.pre = pre;
            this.settings = settings;
            this.task = task;
            this.listener = listener;
            this.best = graph.params().dup();
        }

        /** Trains only the head from here on, on features computed each batch up to {@code featureVertex}. */
        void frozenBackbone(String featureVertex) {
            TransferLearningHelper helper = new TransferLearningHelper(graph, featureVertex);
            head = helper.unfrozenGraph();
            backbone = new Runner(graph, featureVertex, x -> helper.featurize(new DataSet(x, null)).getFeatures());
        }

        /** @return the graph's output for a batch of images (through the frozen backbone and the head when split) */
        private INDArray output(INDArray images) {
            return head == null ? graph.outputSingle(false, images) : head.outputSingle(false, backbone.output(images));
        }

        void close() {
            if (backbone != null) {
                backbone.close();
            }
        }

        /**
         * Runs {@code count} epochs numbered from {@code first}; keeps an epoch only if it beats {@code baseline}.
         * With a null {@code lrAt} the updaters' own learning rates stay and {@code fixedLr} is logged.
         */
        void epochs(List<EpochStats> before, int first, int count, java.util.function.IntToDoubleFunction lrAt,
                double fixedLr, double baseline, int baselineEpoch, int patience) {
            history.addAll(before);
            bestEpoch = baselineEpoch;
            double bestScore = baseline;
            for (int epoch = first; epoch < first + count; epoch++) {
                if (data.val().size() > 0 && patience > 0 && epoch - 1 - bestEpoch >= patience) {
                    break;
                }
                long t0 = System.nanoTime();
                Nd4j.getRandom().setSeed(settings.seed() * 1_000_003L + epoch);
                double lr = fixedLr;
                if (lrAt != null) {
                    lr = lrAt.applyAsDouble(epoch);
                    graph.setLearningRate(lr);
                }
                double lossSum = 0;
                int seen = 0;
                List<INDArray> outs = new ArrayList<>();
                List<INDArray> targets = new ArrayList<>();
                try (ImagePipeline train = pipeline(data.train(), settings.seed() + epoch)) {
                    int batches = (train.size() + settings.batchSize() - 1) / settings.batchSize();
                    int bi = 0;
                    while (train.hasNext()) {
                        DataSet batch = train.next();
                        double score;
                        if (head == null) {
                            graph.fit(batch);
                            score = graph.score();
                            outs.add(graph.outputSingle(false, batch.getFeatures()));
                        } else {
                            INDArray f = backbone.output(batch.getFeatures());
                            head.fit(new DataSet(f, batch.getLabels()));
                            score = head.score();
                            outs.add(head.outputSingle(false, f));
                        }
                        int n = batch.numExamples();
                        lossSum += score * n;
                        seen += n;
                        targets.add(batch.getLabels());
                        listener.onBatchEnd(epoch, ++bi, batches, score);
                    }
                    train.skipped().forEach(f -> skipped.put(f.path().toString(), f));
                }
                trainImages = seen;
                double trainScore = seen == 0 ? Double.NaN
                        : TaskMetrics.score(task, Nd4j.vstack(outs.toArray(new INDArray[0])),
                                Nd4j.vstack(targets.toArray(new INDArray[0])));
                double[] val = evaluate();
                EpochStats stats = new EpochStats(epoch, lossSum / Math.max(1, seen), trainScore, val[1], val[0],
                        (System.nanoTime() - t0) / 1e9, lr);
                history.add(stats);
                listener.onEpochEnd(stats);
                double score = Trainer.selectionScore(data.val().size() > 0, val[0], epoch);
                if (score > bestScore) {
                    bestScore = score;
                    bestEpoch = epoch;
                    if (head != null) {
                        Trainer.copyHeadInto(head, graph);
                    }
                    best = graph.params().dup();
                    improved = true;
                }
            }
        }

        private ImagePipeline pipeline(ImageDataset d, long shuffleSeed) {
            ImagePipeline.Builder b = ImagePipeline.builder(d).shape(shape).preprocessing(pre)
                    .batchSize(settings.batchSize()).threads(settings.decodeThreads());
            if (shuffleSeed != Long.MIN_VALUE) {
                b.shuffle(shuffleSeed);
                if (settings.augmentation() != null) {
                    b.augment(settings.augmentation(), shuffleSeed * 31);
                }
            }
            return b.build();
        }

        /** @return the task's validation metric and loss, or NaNs without validation images */
        private double[] evaluate() {
            if (data.val().size() == 0) {
                return new double[] {Double.NaN, Double.NaN};
            }
            List<INDArray> outs = new ArrayList<>();
            List<INDArray> targets = new ArrayList<>();
            // the weights are fixed for this pass: the whole graph runs on the compiled engine where it can
            try (ImagePipeline p = pipeline(data.val(), Long.MIN_VALUE); Runner whole = Runner.ofOutput(graph)) {
                while (p.hasNext()) {
                    DataSet ds = p.next();
                    outs.add(head == null ? whole.output(ds.getFeatures()) : output(ds.getFeatures()));
                    targets.add(ds.getLabels());
                }
                p.skipped().forEach(f -> skipped.put(f.path().toString(), f));
            }
            if (outs.isEmpty()) {
                return new double[] {Double.NaN, Double.NaN};
            }
            valImages = outs.stream().mapToInt(o -> (int) o.size(0)).sum();
            INDArray out = Nd4j.vstack(outs.toArray(new INDArray[0]));
            INDArray t = Nd4j.vstack(targets.toArray(new INDArray[0]));
            return new double[] {TaskMetrics.score(task, out, t), TaskMetrics.loss(settings.head().loss(), out, t)};
        }
    }
}
