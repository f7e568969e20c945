package org.transferkit.train;

import java.util.ArrayList;
import org.transferkit.data.LabelledImage;
import java.util.Arrays;
import java.io.File;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.ClassBalance;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.model.Preprocessing;
import org.transferkit.task.Task;
import org.transferkit.runtime.CpuHelpers;
import org.transferkit.head.HeadSpec;
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
    static TrainingResult fit(Backbone backbone, DatasetSplit data, FineTune settings, RunEnvironment env,
            TrainingResult phase1,
            TrainingListener listener) throws TransferKitException {
        return fit(backbone, data, settings, env, phase1, listener, true);
    }

    /**
     * As {@link #fit(Backbone, DatasetSplit, FineTune, RunEnvironment, TrainingResult, TrainingListener)}, with the
     * split at the boundary switchable: {@code split = false} trains the whole graph through DL4J every epoch (the
     * reference the split path is tested against; same results within float tolerance).
     */
    static TrainingResult fit(Backbone backbone, DatasetSplit data, FineTune settings, RunEnvironment env,
            TrainingResult phase1, TrainingListener listener, boolean split) throws TransferKitException {
        Unfreeze u = settings.unfreeze();
        CutPoint cut = phase1.cutPoint();
        ComputationGraph backboneGraph = backbone.loadGraph();
        String freezeUpTo = boundary(backbone, backboneGraph, cut, u.blocks());
        List<String> labels = phase1.labels();
        double[] weights = settings.classWeights() ? ClassBalance.weights(data.train().classCounts()) : null;
        Nd4j.getRandom().setSeed(settings.seed());
        ComputationGraph graph = TransferModel.surgery(backboneGraph, cut, settings.head(), labels.size())
                .updater(settings.optimizer().updater(u.headLearningRate())).seed(settings.seed()).classWeights(weights)
                .weightDecay(settings.weightDecay()).freezeUpTo(freezeUpTo)
                .backboneUpdater(settings.optimizer().updater(u.learningRate())).build();
        for (GraphVertex v : phase1.graph().getVertices()) { // continue from the phase-1 head
            if (v.getVertexName().startsWith("tk_") && v.hasLayer() && v.getLayer().numParams() > 0) {
                graph.getLayer(v.getVertexName()).setParams(v.getLayer().params().dup());
            }
        }
        graph = BatchNormFreezer.freeze(graph);
        CpuHelpers.apply(graph, env.runtime());
        Trainer.announce(listener, "end-to-end", graph, backbone);

        int bestEpoch = phase1.bestEpoch();
        double baseline = phase1.history().isEmpty() || data.val().size() == 0 ? Double.NEGATIVE_INFINITY
                : phase1.history().get(bestEpoch - 1).valMetric();
        EpochLoop.Outcome outcome;
        try (PipelinePhase phase = new PipelinePhase(graph, data, backbone.inputShape(), phase1.preprocessing(),
                settings, env, phase1.task())) {
            String layout = "whole";
            if (u.blocks() == 0) { // nothing below the cut trains: the backbone runs on the compiled engine
                boolean pooled = cut.spatial() && settings.head().pooling() != HeadSpec.Pooling.FLATTEN;
                phase.splitAt(pooled ? TransferModel.POOL : cut.vertex());
                layout = "head";
            } else if (split && freezeUpTo != null && phase.splitAt(freezeUpTo)) {
                // the frozen blocks run forward only (compiled where possible); cached when nothing augments them
                layout = "split@" + freezeUpTo;
                if (settings.augmentation() == null) {
                    phase.cacheBoundary(new BoundaryCache.Spec(backbone, cut, new Featurizer.Features(freezeUpTo,
                            block(backbone, freezeUpTo).outputShape(), "boundary")));
                }
            }
            // null schedule: the updaters keep their two learning rates (blocks, head); the log shows the head's
            outcome = EpochLoop.run(phase, new EpochLoop.Plan(phase1.history().size() + 1, u.epochs(), null,
                    u.headLearningRate(), 0, phase1.history(), baseline, bestEpoch), phase1.task(), settings.seed(),
                    checkpoints(settings, env, "end-to-end", layout, backbone, cut, data), env.resume(), listener);
            if (outcome.improved()) {
                phase.network().setParams(outcome.best());
                phase.whole();
            }
        }
        if (!outcome.improved() && data.val().size() > 0) {
            return new TrainingResult(phase1.graph(), labels, cut, outcome.history(), outcome.bestEpoch(),
                    phase1.trainImages(), phase1.valImages(), phase1.skipped(), phase1.frozenLayers(),
                    phase1.preprocessing(), phase1.task(), null, phase1.search());
        }
        return new TrainingResult(graph, labels, cut, outcome.history(), outcome.bestEpoch(), phase1.trainImages(),
                phase1.valImages(), phase1.skipped(), Trainer.frozenLayers(graph), phase1.preprocessing(), phase1.task(),
                null, phase1.search());
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
            RunEnvironment env, TrainingListener listener) throws TransferKitException {
        if (settings.unfreeze() != null) {
            throw new IllegalArgumentException("backbone '" + backbone.id() + "' trains from scratch with nothing frozen; "
                    + "unfreezing (phase 2) does not apply");
        }
        CutPoint cut = settings.cutPoint() == null ? backbone.defaultCutPoint() : backbone.cutPoint(settings.cutPoint());
        List<String> labels = data.train().labels();
        double[] weights = settings.classWeights() ? ClassBalance.weights(data.train().classCounts()) : null;
        Nd4j.getRandom().setSeed(settings.seed());
        ComputationGraph graph = TransferModel.surgery(backbone.loadGraph(), cut, settings.head(), labels.size())
                .updater(settings.optimizer().updater(settings.learningRate())).seed(settings.seed())
                .classWeights(weights).weightDecay(settings.weightDecay()).freezeUpTo(null).build();
        CpuHelpers.apply(graph, env.runtime());
        Trainer.announce(listener, "from-scratch", graph, backbone);
        Preprocessing pre = settings.preprocessing() != null ? settings.preprocessing() : backbone.preprocessing();
        Task task = data.train().task();
        try (PipelinePhase phase = new PipelinePhase(graph, data, backbone.inputShape(), pre, settings, env, task)) {
            EpochLoop.Outcome outcome = EpochLoop.run(phase, new EpochLoop.Plan(1, settings.epochs(),
                    e -> settings.schedule().at(settings.learningRate(), e, settings.epochs()), Double.NaN,
                    settings.patience(), List.of(), Double.NEGATIVE_INFINITY, 0), task, settings.seed(),
                    checkpoints(settings, env, "from-scratch", "whole", backbone, cut, data), env.resume(), listener);
            if (outcome.improved()) {
                graph.setParams(outcome.best());
            }
            return new TrainingResult(graph, labels, cut, outcome.history(), outcome.bestEpoch(), phase.trainImages(),
                    phase.valImages(), phase.skipped(), List.of(), pre, task, null, null);
        }
    }

    /**
     * @param layout which network trains and is checkpointed (the whole graph, or the part above a split), so a
     *     checkpoint of one layout is never restored into another
     * @return the checkpoints of an end-to-end phase in its own sub-folder of the settings' checkpoint folder, keyed
     *     by the settings, the layout, the backbone and the image files (path, size, modification time); null without
     *     a folder
     */
    private static Checkpoints checkpoints(FineTune settings, RunEnvironment env, String phase, String layout,
            Backbone backbone, CutPoint cut, DatasetSplit data) {
        if (env.checkpointDir() == null) {
            return null;
        }
        List<String> parts = new ArrayList<>(List.of(phase, layout, settings.toMap().toString(), backbone.id(),
                backbone.weightsId(), cut.name()));
        for (ImageDataset part : List.of(data.train(), data.val())) {
            for (LabelledImage img : part.images()) {
                File f = img.path().toFile();
                parts.add(img.path() + "|" + f.length() + "|" + f.lastModified() + "|"
                        + Arrays.toString(img.targetRow(part.labels().size())));
            }
        }
        return new Checkpoints(env.checkpointDir().resolve(phase),
                FeatureCache.settingsKey(parts.toArray(new String[0])));
    }

    /** @return the published block that ends at {@code vertex} */
    private static CutPoint block(Backbone backbone, String vertex) {
        return backbone.blocks().stream().filter(b -> b.vertex().equals(vertex)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no published block ends at " + vertex));
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
}
