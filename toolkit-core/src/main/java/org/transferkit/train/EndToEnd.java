package org.transferkit.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
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
import org.transferkit.device.CpuHelpers;
import org.transferkit.head.TransferModel;

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

        List<EpochStats> history = new ArrayList<>(phase1.history());
        int bestEpoch = phase1.bestEpoch();
        double bestAcc = phase1.history().isEmpty() || data.val().size() == 0 ? Double.NEGATIVE_INFINITY
                : phase1.history().get(bestEpoch - 1).valAccuracy();
        INDArray best = graph.params().dup(); // equals the phase-1 model
        boolean improved = false;
        int first = phase1.history().size() + 1;
        for (int e = 0; e < u.epochs(); e++) {
            int epoch = first + e;
            long t0 = System.nanoTime();
            Nd4j.getRandom().setSeed(settings.seed() * 1_000_003L + epoch);
            double lossSum = 0;
            int seen = 0;
            int correct = 0;
            try (ImagePipeline train = pipeline(data.train(), backbone, phase1, settings, settings.seed() + epoch)) {
                int batches = (train.size() + settings.batchSize() - 1) / settings.batchSize();
                int bi = 0;
                while (train.hasNext()) {
                    DataSet batch = train.next();
                    graph.fit(batch);
                    int n = batch.numExamples();
                    lossSum += graph.score() * n;
                    seen += n;
                    correct += Trainer.countCorrect(graph.outputSingle(false, batch.getFeatures()), batch.getLabels());
                    listener.onBatchEnd(epoch, ++bi, batches, graph.score());
                }
            }
            double[] val = evaluate(graph, data.val(), backbone, phase1, settings);
            EpochStats stats = new EpochStats(epoch, lossSum / Math.max(1, seen), correct / (double) Math.max(1, seen),
                    val[1], val[0], (System.nanoTime() - t0) / 1e9, u.headLearningRate());
            history.add(stats);
            listener.onEpochEnd(stats);
            double score = data.val().size() > 0 ? val[0] : epoch;
            if (score > bestAcc) {
                bestAcc = score;
                bestEpoch = epoch;
                best = graph.params().dup();
                improved = true;
            }
        }
        if (!improved && data.val().size() > 0) {
            return new TrainingResult(phase1.graph(), labels, cut, List.copyOf(history), bestEpoch, phase1.trainImages(),
                    phase1.valImages(), phase1.skipped(), phase1.frozenLayers(), phase1.preprocessing());
        }
        graph.setParams(best);
        return new TrainingResult(graph, labels, cut, List.copyOf(history), bestEpoch, phase1.trainImages(),
                phase1.valImages(), phase1.skipped(), Trainer.frozenLayers(graph), phase1.preprocessing());
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

    private static ImagePipeline pipeline(ImageDataset d, Backbone backbone, TrainingResult phase1, FineTune settings,
            long shuffleSeed) {
        ImagePipeline.Builder b = ImagePipeline.builder(d).shape(backbone.inputShape())
                .preprocessing(phase1.preprocessing()).batchSize(settings.batchSize()).threads(settings.decodeThreads());
        if (shuffleSeed != Long.MIN_VALUE) {
            b.shuffle(shuffleSeed);
            if (settings.augmentation() != null) {
                b.augment(settings.augmentation(), shuffleSeed * 31);
            }
        }
        return b.build();
    }

    /** @return validation accuracy and cross-entropy, or NaNs without validation images */
    private static double[] evaluate(ComputationGraph graph, ImageDataset val, Backbone backbone, TrainingResult phase1,
            FineTune settings) {
        if (val.size() == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        int n = 0;
        int correct = 0;
        double loss = 0;
        try (ImagePipeline p = pipeline(val, backbone, phase1, settings, Long.MIN_VALUE)) {
            while (p.hasNext()) {
                DataSet ds = p.next();
                INDArray out = graph.outputSingle(false, ds.getFeatures());
                correct += Trainer.countCorrect(out, ds.getLabels());
                loss += Trainer.crossEntropy(out, ds.getLabels()) * ds.numExamples();
                n += ds.numExamples();
            }
        }
        return new double[] {correct / (double) n, loss / n};
    }
}
