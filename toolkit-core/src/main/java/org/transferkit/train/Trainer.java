package org.transferkit.train;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.DatasetException;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.ClassBalance;
import org.transferkit.data.DatasetSplit;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;
import org.transferkit.runtime.CpuHelpers;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.Runner;
import org.transferkit.explain.ModelSummary;
import org.transferkit.head.TransferModel;

/**
 * Fine-tunes a new head on a frozen backbone. The backbone runs once per image (featurizing, through
 * DL4J's {@link TransferLearningHelper}); every epoch then trains only the head on those features, so
 * an epoch costs a fraction of a forward pass through the backbone. The weights of the epoch with the
 * best validation accuracy are the ones returned (the last epoch's when there is no validation set).
 *
 * <p>Stateless; each {@link #fit} call owns its graph and random seed. ND4J's global random generator
 * is seeded from {@link FineTune#seed()} at the start of a run, so two runs with the same settings and
 * data on the same machine give identical results; concurrent runs in one JVM share that generator and
 * are not reproducible.
 */
final class Trainer {
    private Trainer() {
    }

    /**
     * Trains a classifier.
     *
     * @param backbone the backbone to cut and freeze
     * @param data train and validation parts ({@code test} is not used here)
     * @param settings run settings
     * @param listener progress events (may be {@link TrainingListener#NONE})
     * @return the trained graph and its history
     * @throws DatasetException if, after skipping undecodable files, fewer than two classes have
     *     training images; the message lists the skipped files
     * @throws TransferKitException if the backbone's weights cannot be loaded
     * @throws IllegalArgumentException if the settings name a cut point the backbone does not have
     */
    static TrainingResult fit(Backbone backbone, DatasetSplit data, FineTune settings, TrainingListener listener)
            throws TransferKitException {
        return fit(backbone, data, settings, RunEnvironment.defaults(), listener);
    }

    /** {@link #fit(Backbone, DatasetSplit, FineTune, TrainingListener)} in the given environment. */
    static TrainingResult fit(Backbone backbone, DatasetSplit data, FineTune settings, RunEnvironment env,
            TrainingListener listener) throws TransferKitException {
        CutPoint cut = settings.cutPoint() == null ? backbone.defaultCutPoint() : backbone.cutPoint(settings.cutPoint());
        List<String> labels = data.train().labels();
        Task task = checkTask(data, settings);
        if (labels.size() < task.minOutputs()) {
            throw new DatasetException("training data has " + labels.size() + " class(es) " + labels + "; a "
                    + task.id() + " model needs at least " + task.minOutputs());
        }
        TargetScaling scaling = task.standardizesTargets() ? TargetScaling.fit(data.train()) : null;
        if (scaling != null) {
            data = scaling.apply(data); // trains on standardized targets; folded into the output layer at the end
        }
        if (backbone.trainsFromScratch()) {
            return finish(EndToEnd.fromScratch(backbone, data, settings, env, listener), scaling);
        }
        Preprocessing pre = settings.preprocessing() != null ? settings.preprocessing() : backbone.preprocessing();
        double[] weights = settings.classWeights() ? ClassBalance.weights(data.train().classCounts()) : null;
        ComputationGraph graph = transferGraph(backbone, cut, settings, labels.size(), weights, env);
        Trainer.announce(listener, "head", graph, backbone);
        if (settings.unfreeze() != null) {
            EndToEnd.boundary(backbone, graph, cut, settings.unfreeze().blocks()); // refuse a bad phase 2 before phase 1
        }
        // Featurize at the last parameter-free vertex: after the global pooling when the head pools a feature
        // map (a 512-value vector per image instead of 512x13x13: epochs and the cache stay small), else at
        // the cut. Naming the vertex also matters when the cut is not a layer (SqueezeNet's merge vertex
        // fire9): the helper would otherwise start the head at its frozen inputs, a two-input graph.
        Featurizer.Features at = Featurizer.Features.of(cut, settings.head());
        String featureVertex = at.vertex();
        long[] featureShape = at.shape();
        TransferLearningHelper helper = new TransferLearningHelper(graph, featureVertex);
        // the frozen layers run on the compiled engine where it is on (see org.transferkit.engine), else on DL4J
        Runner backboneRunner = new Runner(graph, featureVertex, x -> helper.featurize(new DataSet(x, null)).getFeatures(),
                env.runtime().engine());

        long t0 = System.nanoTime();
        List<SkippedFile> skipped = new ArrayList<>();
        int[] reusedComputed = new int[2];
        DataSet train;
        DataSet original;
        DataSet val;
        int trainN;
        int valN;
        try {
            train = Featurizer.featurize(backboneRunner, backbone, cut, at, pre, data.train(), settings, env, null, 0, skipped, reusedComputed,
                    listener);
            val = data.val().size() == 0 ? null
                    : Featurizer.featurize(backboneRunner, backbone, cut, at, pre, data.val(), settings, env, null, 0, skipped, reusedComputed,
                            listener);
            trainN = train == null ? 0 : train.numExamples();
            valN = val == null ? 0 : val.numExamples();
            if (task.minOutputs() > 1) { // every class must have training images
                Featurizer.checkUsable(train, labels, skipped);
            } else if (train == null) {
                throw new DatasetException("no training image could be decoded; skipped: " + skipped);
            }
            original = train;
            if (settings.augmentation() != null) {
                List<DataSet> all = new ArrayList<>(List.of(train));
                for (int copy = 1; copy <= settings.augmentedCopies(); copy++) {
                    all.add(Featurizer.featurize(backboneRunner, backbone, cut, at, pre, data.train(), settings, env, settings.augmentation(),
                            settings.seed() * 31 + copy, new ArrayList<>(), reusedComputed, listener));
                }
                train = DataSet.merge(all);
            }
        } finally {
            backboneRunner.close();
        }
        listener.onFeaturized(trainN, valN, (System.nanoTime() - t0) / 1e9);
        if (env.featureCache() != null) {
            listener.onFeatureCache(reusedComputed[0], reusedComputed[1], env.featureCache().root());
        }
        // the head search sees the training features only (never the validation images, never augmented copies)
        HeadSearch.Result search = search(backbone, settings, original, task, labels.size(), featureShape, weights,
                env.runtime().engine());
        if (InputPolicies.apply(search, settings) && settings.augmentation() == null) {
            DatasetSplit parts = data;
            try (Runner again = new Runner(graph, featureVertex,
                    x -> helper.featurize(new DataSet(x, null)).getFeatures(), env.runtime().engine())) {
                InputPolicies.Outcome p = InputPolicies.compare(search, settings, pre, original,
                        alt -> Featurizer.featurize(again, backbone, cut, at, alt, parts.train(), settings, env, null, 0,
                                new ArrayList<>(), reusedComputed, listener),
                        task, labels.size(), featureShape, weights, env.runtime().engine());
                search = p.result();
                if (p.preprocessing() != pre) { // train, validate and save with the chosen policy
                    pre = p.preprocessing();
                    original = p.train();
                    train = original;
                    val = val == null ? null : Featurizer.featurize(again, backbone, cut, at, pre, parts.val(),
                            settings, env, null, 0, new ArrayList<>(), reusedComputed, listener);
                }
            }
        }
        FineTune run = settings;
        TransferLearningHelper headHelper = helper;
        if (search != null && search.ran()) {
            run = search.settings();
            graph.close(); // built for the default head, which featurized; the winner gets its own
            graph = transferGraph(backbone, cut, run, labels.size(), weights, env);
            headHelper = new TransferLearningHelper(graph, featureVertex);
        }
        EpochLoop.Outcome outcome = trainHead(headHelper, graph, train, val, task, run, labels.size(),
                search == null || !search.ran(), backbone, cut, env, listener);
        TrainingResult phase1 = new TrainingResult(graph, labels, cut, outcome.history(), outcome.bestEpoch(), trainN, valN,
                List.copyOf(skipped), frozenLayers(graph), pre, task, null, search);
        return finish(settings.unfreeze() == null ? phase1 : EndToEnd.fit(backbone, data, settings, env, phase1, listener),
                scaling);
    }

    /**
     * Phase 1 on features: the head at the helper's vertex trains on them in the one {@link EpochLoop} (label smoothing,
     * schedule, patience, checkpoints in {@code checkpoint/head}), the kept epoch's weights are restored, and the head
     * is copied into {@code graph}. Shared by training from images and from a {@link FeatureSet}.
     *
     * @param helper DL4J's split of {@code graph} at the feature vertex
     * @param graph the transfer graph that receives the trained head
     * @param train the training features (with augmented copies, if any)
     * @param val the validation features, or null
     * @param task the task
     * @param ft the settings trained (the search's winner, if it ran)
     * @param outputs output units
     * @param valChooses whether the validation score picks the kept epoch (false after a head search: it chose)
     * @param backbone the backbone (for the checkpoint fingerprint)
     * @param cut the cut point (for the checkpoint fingerprint)
     * @param env checkpoints and resume
     * @param listener progress events
     * @return the loop's outcome (history, kept epoch)
     * @throws TransferKitException if a checkpoint cannot be written or read
     */
    static EpochLoop.Outcome trainHead(TransferLearningHelper helper, ComputationGraph graph, DataSet train,
            DataSet val, Task task, FineTune ft, int outputs, boolean valChooses, Backbone backbone, CutPoint cut,
            RunEnvironment env, TrainingListener listener) throws TransferKitException {
        DataSet fitOn = train;
        if (ft.labelSmoothing() > 0) {
            double e = ft.labelSmoothing();
            fitOn = new DataSet(train.getFeatures(), train.getLabels().mul(1 - e).addi(e / outputs));
        }
        try (HeadPhase phase = new HeadPhase(helper.unfrozenGraph(), train, fitOn, val, task, ft.head().loss(),
                ft.batchSize(), ft.seed(), valChooses, env.runtime().engine())) {
            return runHead(phase, graph, task, ft, env, fingerprint(ft, backbone, cut, fitOn, val), listener);
        }
    }

    /**
     * Runs a phase-1 {@link EpochLoop.Phase} (in memory or streaming) with the settings' epochs, schedule and patience
     * (checkpoints in {@code checkpoint/head}), restores the kept epoch's weights and copies the head into
     * {@code graph}.
     *
     * @param phase the head's phase
     * @param graph the transfer graph that receives the trained head
     * @param task the task
     * @param ft the settings trained
     * @param env checkpoints and resume
     * @param fingerprint identifies the settings and data of a checkpoint
     * @param listener progress events
     * @return the loop's outcome
     * @throws TransferKitException if a checkpoint cannot be written or read
     */
    static EpochLoop.Outcome runHead(EpochLoop.Phase phase, ComputationGraph graph, Task task, FineTune ft,
            RunEnvironment env, String fingerprint, TrainingListener listener) throws TransferKitException {
        Checkpoints checkpoints = env.checkpointDir() == null ? null
                : new Checkpoints(env.checkpointDir().resolve("head"), fingerprint);
        EpochLoop.Outcome outcome;
        try (OpThreads small = OpThreads.forHead(phase.network().numParams())) {
            outcome = EpochLoop.run(phase, new EpochLoop.Plan(1, ft.epochs(),
                    e -> ft.schedule().at(ft.learningRate(), e, ft.epochs()), Double.NaN,
                    ft.patience(), List.of(), Double.NEGATIVE_INFINITY, 0), task, ft.seed(), checkpoints,
                    env.resume(), listener);
        }
        if (outcome.improved()) {
            phase.network().setParams(outcome.best());
        }
        copyHeadInto(phase.network(), graph);
        return outcome;
    }

    /** @return a new transfer graph: the backbone cut and frozen, the settings' head on top */
    static ComputationGraph transferGraph(Backbone backbone, CutPoint cut, FineTune settings, int outputs,
            double[] weights, RunEnvironment env) throws TransferKitException {
        Nd4j.getRandom().setSeed(settings.seed());
        ComputationGraph graph = TransferModel.surgery(backbone.loadGraph(), cut, settings.head(), outputs)
                .updater(settings.optimizer().updater(settings.learningRate())).seed(settings.seed())
                .classWeights(weights).weightDecay(settings.weightDecay()).build();
        CpuHelpers.apply(graph, env.runtime()); // oneDNN convolutions and pooling (see CpuHelpers)
        return graph;
    }

    /**
     * Runs the head search where it applies (see {@link HeadSearch}).
     *
     * @param train the training features it cross-validates on; may be null where it cannot run (off, from scratch,
     *     phase 2, a searched setting given explicitly)
     * @param engine the run's engine mode: the candidates train on its training path where it covers them
     * @return what it did, or null when it is off or does not apply (from scratch, phase 2)
     */
    static HeadSearch.Result search(Backbone backbone, FineTune settings, DataSet train, Task task, int outputs,
            long[] featureShape, double[] weights, EngineMode engine) throws TransferKitException {
        HeadSearch hs = settings.search();
        if (hs.mode() == HeadSearch.Mode.OFF || backbone.trainsFromScratch() || settings.unfreeze() != null) {
            return null;
        }
        List<String> set = HeadSearch.explicitlySet(settings);
        if (!set.isEmpty()) {
            return new HeadSearch.Result(hs, task.metricName(), 0, hs.candidates(task).size(), List.of(), null, null,
                    "not run: " + String.join(", ", set) + " set explicitly, trained as given", 0, false);
        }
        return CrossValidation.run(hs, settings, train, task, outputs, featureShape, weights, engine);
    }

    /** Tells the listener which network is about to train (skipped if its shapes cannot be worked out). */
    static void announce(TrainingListener listener, String phase, ComputationGraph graph, Backbone backbone) {
        ModelSummary summary;
        try {
            summary = ModelSummary.of(graph, backbone.inputShape());
        } catch (IllegalArgumentException e) {
            return; // a summary is informative only; training does not depend on it
        }
        listener.onModelBuilt(phase, summary);
    }

    /** @return the result with a regression's target scale folded into its output layer */
    private static TrainingResult finish(TrainingResult r, TargetScaling scaling) {
        if (scaling == null) {
            return r;
        }
        scaling.fold(r.graph());
        return new TrainingResult(r.graph(), r.labels(), r.cutPoint(), r.history(), r.bestEpoch(), r.trainImages(),
                r.valImages(), r.skipped(), r.frozenLayers(), r.preprocessing(), r.task(), scaling, r.search());
    }

    /** @return the task of the data, after checking that the settings fit it */
    private static Task checkTask(DatasetSplit data, FineTune settings) {
        Task task = data.train().task();
        if (settings.head().task() != task) {
            throw new IllegalArgumentException("the head is for " + settings.head().task().id() + " but the data is "
                    + task.id() + "; build the head with HeadSpec.builder().task(...) for " + task.id());
        }
        if (data.val().task() != task || data.test().task() != task) {
            throw new IllegalArgumentException("train, val and test must share one task; got " + task.id() + ", "
                    + data.val().task().id() + ", " + data.test().task().id());
        }
        if (!task.weighsClasses() && (settings.classWeights() || settings.labelSmoothing() > 0)) {
            throw new IllegalArgumentException("class weights and label smoothing apply to single-label training only, "
                    + "not " + task.id());
        }
        return task;
    }

    /** Identifies the settings and data a checkpoint belongs to. */
    static String fingerprint(FineTune settings, Backbone backbone, CutPoint cut, DataSet train, DataSet val) {
        return FeatureCache.settingsKey(settings.toMap().toString(), backbone.id(), backbone.weightsId(), cut.name(),
                Long.toString(train.numExamples()), Double.toString(train.getFeatures().sumNumber().doubleValue()),
                val == null ? "-" : Double.toString(val.getFeatures().sumNumber().doubleValue()));
    }

    static void copyHeadInto(ComputationGraph head, ComputationGraph full) {
        for (GraphVertex v : head.getVertices()) {
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                // key by key: setParams of a FrozenLayerWithBackprop (a frozen batch-norm affine) fails in DL4J M2.1
                org.deeplearning4j.nn.api.Layer target = full.getLayer(v.getVertexName());
                v.getLayer().paramTable().forEach((k, p) -> target.setParam(k, p.dup()));
            }
        }
    }

    /** @return the backbone layers kept frozen in {@code graph} (see {@link TransferModel#frozenLayers}) */
    static List<String> frozenLayers(ComputationGraph graph) {
        return TransferModel.frozenLayers(graph);
    }
}
