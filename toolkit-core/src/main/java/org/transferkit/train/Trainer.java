package org.transferkit.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.DatasetException;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.Augmentation;
import org.transferkit.data.ClassBalance;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.data.LabelledImage;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.model.Task;
import org.transferkit.runtime.CpuHelpers;
import org.transferkit.engine.Runner;
import org.transferkit.model.TaskMetrics;
import org.transferkit.explain.ModelSummary;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;

import org.transferkit.model.EpochStats;
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
public final class Trainer {
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
    public static TrainingResult fit(Backbone backbone, DatasetSplit data, FineTune settings, TrainingListener listener)
            throws TransferKitException {
        CutPoint cut = settings.cutPoint() == null ? backbone.defaultCutPoint() : backbone.cutPoint(settings.cutPoint());
        List<String> labels = data.train().labels();
        Task task = checkTask(data, settings);
        if (task == Task.SINGLE_LABEL && labels.size() < 2) {
            throw new DatasetException("training data has " + labels.size() + " class(es) " + labels
                    + "; a classifier needs at least 2 class folders");
        }
        TargetScaling scaling = task == Task.REGRESSION ? TargetScaling.fit(data.train()) : null;
        if (scaling != null) {
            data = scaling.apply(data); // trains on standardized targets; folded into the output layer at the end
        }
        if (backbone.trainsFromScratch()) {
            return finish(EndToEnd.fromScratch(backbone, data, settings, listener), scaling);
        }
        Preprocessing pre = settings.preprocessing() != null ? settings.preprocessing() : backbone.preprocessing();
        double[] weights = settings.classWeights() ? ClassBalance.weights(data.train().classCounts()) : null;
        Nd4j.getRandom().setSeed(settings.seed());
        ComputationGraph graph = TransferModel.build(backbone.loadGraph(), cut, settings.head(), labels.size(),
                settings.optimizer().updater(settings.learningRate()), settings.seed(), weights, settings.weightDecay());
        CpuHelpers.apply(graph); // oneDNN convolutions and pooling (see CpuHelpers)
        Trainer.announce(listener, "head", graph, backbone);
        if (settings.unfreeze() != null) {
            EndToEnd.boundary(backbone, graph, cut, settings.unfreeze().blocks()); // refuse a bad phase 2 before phase 1
        }
        // Featurize at the last parameter-free vertex: after the global pooling when the head pools a feature
        // map (a 512-value vector per image instead of 512x13x13: epochs and the cache stay small), else at
        // the cut. Naming the vertex also matters when the cut is not a layer (SqueezeNet's merge vertex
        // fire9): the helper would otherwise start the head at its frozen inputs, a two-input graph.
        boolean pooled = cut.spatial() && settings.head().pooling() != HeadSpec.Pooling.FLATTEN;
        String featureVertex = pooled ? TransferModel.POOL : cut.vertex();
        long[] featureShape = pooled ? new long[] {cut.channels()} : cut.outputShape();
        TransferLearningHelper helper = new TransferLearningHelper(graph, featureVertex);
        // the frozen layers run on the compiled engine where it is on (see org.transferkit.engine), else on DL4J
        Runner backboneRunner = new Runner(graph, featureVertex, x -> helper.featurize(new DataSet(x, null)).getFeatures());

        long t0 = System.nanoTime();
        List<SkippedFile> skipped = new ArrayList<>();
        int[] reusedComputed = new int[2];
        Features at = new Features(featureVertex, featureShape, settings.head().pooling().name());
        DataSet train;
        DataSet val;
        int trainN;
        int valN;
        try {
            train = featurize(backboneRunner, backbone, cut, at, pre, data.train(), settings, null, 0, skipped, reusedComputed,
                    listener);
            val = data.val().size() == 0 ? null
                    : featurize(backboneRunner, backbone, cut, at, pre, data.val(), settings, null, 0, skipped, reusedComputed,
                            listener);
            trainN = train == null ? 0 : train.numExamples();
            valN = val == null ? 0 : val.numExamples();
            if (task == Task.SINGLE_LABEL) {
                checkUsable(train, labels, skipped);
            } else if (train == null) {
                throw new DatasetException("no training image could be decoded; skipped: " + skipped);
            }
            if (settings.augmentation() != null) {
                List<DataSet> all = new ArrayList<>(List.of(train));
                for (int copy = 1; copy <= settings.augmentedCopies(); copy++) {
                    all.add(featurize(backboneRunner, backbone, cut, at, pre, data.train(), settings, settings.augmentation(),
                            settings.seed() * 31 + copy, new ArrayList<>(), reusedComputed, listener));
                }
                train = DataSet.merge(all);
            }
        } finally {
            backboneRunner.close();
        }
        DataSet fitOn = train;
        if (settings.labelSmoothing() > 0) {
            double e = settings.labelSmoothing();
            fitOn = new DataSet(train.getFeatures(), train.getLabels().mul(1 - e).addi(e / labels.size()));
        }
        listener.onFeaturized(trainN, valN, (System.nanoTime() - t0) / 1e9);
        if (settings.featureCache() != null) {
            listener.onFeatureCache(reusedComputed[0], reusedComputed[1], settings.featureCache().root());
        }

        ComputationGraph head = helper.unfrozenGraph();
        List<EpochStats> history = new ArrayList<>();
        INDArray best = null;
        int bestEpoch = 0;
        double bestAcc = Double.NEGATIVE_INFINITY;
        int firstEpoch = 1;
        Checkpoints checkpoints = settings.checkpointDir() == null ? null
                : new Checkpoints(settings.checkpointDir(), fingerprint(settings, backbone, cut, fitOn, val));
        if (checkpoints != null && settings.resume()) {
            Checkpoints.State st = checkpoints.load();
            if (st != null) {
                head.setParams(st.head().params());
                head.getUpdater().getStateViewArray().assign(st.head().getUpdater().getStateViewArray());
                head.getConfiguration().setIterationCount(st.head().getConfiguration().getIterationCount());
                head.getConfiguration().setEpochCount(st.head().getConfiguration().getEpochCount());
                history.addAll(st.history());
                best = st.best();
                bestEpoch = st.bestEpoch();
                bestAcc = st.bestScore();
                firstEpoch = st.epoch() + 1;
                listener.onResumed(st.epoch());
            }
        }
        for (int epoch = firstEpoch; epoch <= settings.epochs(); epoch++) {
            if (val != null && settings.patience() > 0 && epoch - 1 - bestEpoch >= settings.patience()) {
                break; // early stopping (also when resuming a run that had already stopped)
            }
            long e0 = System.nanoTime();
            // per-epoch seed for dropout: a resumed run draws exactly what an uninterrupted one would
            Nd4j.getRandom().setSeed(settings.seed() * 1_000_003L + epoch);
            double lr = settings.schedule().at(settings.learningRate(), epoch, settings.epochs());
            head.setLearningRate(lr);
            DataSet shuffled = fitOn.copy();
            shuffled.shuffle(settings.seed() + epoch);
            double lossSum = 0;
            List<DataSet> batches = shuffled.batchBy(settings.batchSize());
            for (int bi = 0; bi < batches.size(); bi++) {
                DataSet batch = batches.get(bi);
                helper.fitFeaturized(batch);
                lossSum += head.score() * batch.numExamples();
                listener.onBatchEnd(epoch, bi + 1, batches.size(), head.score());
            }
            int seen = train.numExamples();
            double trainScore = TaskMetrics.score(task, helper.outputFromFeaturized(train.getFeatures()),
                    train.getLabels());
            double valLoss = Double.NaN;
            double valAcc = Double.NaN;
            if (val != null) {
                INDArray out = helper.outputFromFeaturized(val.getFeatures());
                valAcc = TaskMetrics.score(task, out, val.getLabels());
                valLoss = TaskMetrics.loss(settings.head().loss(), out, val.getLabels());
            }
            EpochStats stats = new EpochStats(epoch, lossSum / seen, trainScore, valLoss, valAcc,
                    (System.nanoTime() - e0) / 1e9, lr);
            history.add(stats);
            listener.onEpochEnd(stats);
            double score = selectionScore(val != null, valAcc, epoch);
            if (score > bestAcc) {
                bestAcc = score;
                bestEpoch = epoch;
                best = head.params().dup();
            }
            if (checkpoints != null) {
                checkpoints.save(epoch, bestEpoch, bestAcc, history, head, best);
            }
        }
        head.setParams(best);
        copyHeadInto(head, graph);
        TrainingResult phase1 = new TrainingResult(graph, labels, cut, List.copyOf(history), bestEpoch, trainN, valN,
                List.copyOf(skipped), frozenLayers(graph), pre, task, null);
        return finish(settings.unfreeze() == null ? phase1 : EndToEnd.fit(backbone, data, settings, phase1, listener),
                scaling);
    }

    /**
     * @return what picks the kept epoch, higher is better: the validation metric, or the epoch number without
     *     validation images (keep the last); an undefined metric (R² of constant targets) ranks below any number
     */
    static double selectionScore(boolean hasVal, double valMetric, int epoch) {
        double score = hasVal ? valMetric : epoch;
        return Double.isNaN(score) ? -Double.MAX_VALUE : score;
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
                r.valImages(), r.skipped(), r.frozenLayers(), r.preprocessing(), r.task(), scaling);
    }

    /** @return the task of the data, after checking that the settings fit it */
    private static Task checkTask(DatasetSplit data, FineTune settings) {
        Task task = data.train().task();
        if (settings.head().task() != task) {
            throw new IllegalArgumentException("the head is for " + settings.head().task().id() + " but the data is "
                    + task.id() + "; set HeadSpec.builder().task(Task." + task + ")");
        }
        if (data.val().task() != task || data.test().task() != task) {
            throw new IllegalArgumentException("train, val and test must share one task; got " + task.id() + ", "
                    + data.val().task().id() + ", " + data.test().task().id());
        }
        if (task != Task.SINGLE_LABEL && (settings.classWeights() || settings.labelSmoothing() > 0)) {
            throw new IllegalArgumentException("class weights and label smoothing apply to single-label training only, "
                    + "not " + task.id());
        }
        return task;
    }

    /** Where features are taken: the vertex, its per-example shape, and what reduces the feature map. */
    private record Features(String vertex, long[] shape, String pooling) {
        int length() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return (int) n;
        }
    }

    /** Identifies the settings and data a checkpoint belongs to. */
    private static String fingerprint(FineTune settings, Backbone backbone, CutPoint cut, DataSet train, DataSet val) {
        return FeatureCache.settingsKey(settings.toMap().toString(), backbone.id(), backbone.weightsId(), cut.name(),
                Long.toString(train.numExamples()), Double.toString(train.getFeatures().sumNumber().doubleValue()),
                val == null ? "-" : Double.toString(val.getFeatures().sumNumber().doubleValue()));
    }

    /**
     * Runs every image of {@code part} through the frozen backbone (or takes its features from the
     * cache), in dataset order; undecodable files are left out and added to {@code skipped}.
     */
    private static DataSet featurize(Runner runner, Backbone backbone, CutPoint cut, Features at,
            Preprocessing pre, ImageDataset part, FineTune settings, Augmentation augmentation, long augmentSeed,
            List<SkippedFile> skipped, int[] reusedComputed, TrainingListener listener) {
        int len = at.length();
        int classes = part.labels().size();
        FeatureCache cache = settings.featureCache();
        String key = FeatureCache.settingsKey(backbone.id(), backbone.weightsId(), cut.name(), cut.vertex(),
                at.vertex() + "/" + at.pooling(), pre.toString(), backbone.inputShape().toString(),
                augmentation == null ? "none" : augmentation + "#" + augmentSeed);
        Map<Path, float[]> features = new HashMap<>();
        Map<Path, String> contentKeys = new HashMap<>();
        List<LabelledImage> todo = new ArrayList<>();
        for (LabelledImage img : part.images()) {
            float[] f = null;
            if (cache != null) {
                try {
                    String ck = FeatureCache.contentKey(Files.readAllBytes(img.path()));
                    contentKeys.put(img.path(), ck);
                    f = cache.get(key, ck, len);
                } catch (IOException | RuntimeException e) {
                    // unreadable: the pipeline reports it
                }
            }
            if (f != null) {
                features.put(img.path(), f);
            } else {
                todo.add(img);
            }
        }
        if (!todo.isEmpty()) {
            ImagePipeline.Builder b = ImagePipeline.builder(part.withImages(todo)).shape(backbone.inputShape())
                    .preprocessing(pre).batchSize(settings.batchSize()).threads(settings.decodeThreads());
            if (augmentation != null) {
                b.augment(augmentation, augmentSeed);
            }
            long t0 = System.nanoTime();
            int done = 0;
            try (ImagePipeline pipe = b.build()) {
                while (pipe.hasNext()) {
                    DataSet in = pipe.next();
                    done += in.numExamples();
                    float[][] rows = runner.output(in.getFeatures()).reshape(in.numExamples(), len).toFloatMatrix();
                    for (int i = 0; i < rows.length; i++) {
                        Path p = Path.of(String.valueOf(in.getExampleMetaData().get(i)));
                        features.put(p, rows[i]);
                        String ck = contentKeys.get(p);
                        if (cache != null && ck != null) {
                            cache.put(key, ck, rows[i]);
                        }
                    }
                    listener.onFeaturizeProgress(done, todo.size(), (System.nanoTime() - t0) / 1e9);
                }
                skipped.addAll(pipe.skipped());
            }
        }
        reusedComputed[0] += part.size() - todo.size();
        reusedComputed[1] += todo.size();
        List<LabelledImage> used = part.images().stream().filter(i -> features.containsKey(i.path())).toList();
        if (used.isEmpty()) {
            return null;
        }
        float[] all = new float[used.size() * len];
        float[][] targets = new float[used.size()][];
        for (int i = 0; i < used.size(); i++) {
            System.arraycopy(features.get(used.get(i).path()), 0, all, i * len, len);
            targets[i] = used.get(i).targetRow(classes);
        }
        INDArray labels = Nd4j.create(targets);
        long[] shape = at.shape();
        long[] full = new long[shape.length + 1];
        full[0] = used.size();
        System.arraycopy(shape, 0, full, 1, shape.length);
        INDArray f = Nd4j.createUninitialized(DataType.FLOAT, full, 'c');
        try (FloatPointer fp = new FloatPointer(f.data().addressPointer())) {
            fp.put(all, 0, all.length);
        }
        return new DataSet(f, labels);
    }

    private static void checkUsable(DataSet train, List<String> labels, List<SkippedFile> skipped)
            throws DatasetException {
        int classesWithImages = 0;
        if (train != null) {
            INDArray perClass = train.getLabels().sum(0);
            for (int c = 0; c < labels.size(); c++) {
                if (perClass.getDouble(c) > 0) {
                    classesWithImages++;
                }
            }
        }
        if (classesWithImages >= 2 && classesWithImages < labels.size() && train != null) {
            INDArray perClass = train.getLabels().sum(0);
            List<String> empty = new ArrayList<>();
            for (int c = 0; c < labels.size(); c++) {
                if (perClass.getDouble(c) == 0) {
                    empty.add(labels.get(c));
                }
            }
            throw new DatasetException("class(es) " + empty + " have no usable training images (empty folder, or "
                    + "every file skipped); add images or remove the class folder. Classes: " + labels);
        }
        if (classesWithImages < 2) {
            StringBuilder sb = new StringBuilder("after skipping files that do not decode, only ")
                    .append(classesWithImages).append(" of the classes ").append(labels)
                    .append(" have training images; at least 2 are needed.");
            int shown = 0;
            for (SkippedFile s : skipped) {
                if (shown++ == 10) {
                    sb.append("\n  ... and ").append(skipped.size() - 10).append(" more");
                    break;
                }
                sb.append("\n  skipped ").append(s);
            }
            throw new DatasetException(sb.toString());
        }
    }

    static void copyHeadInto(ComputationGraph head, ComputationGraph full) {
        for (GraphVertex v : head.getVertices()) {
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                full.getLayer(v.getVertexName()).setParams(v.getLayer().params().dup());
            }
        }
    }

    /**
     * @return names of the backbone layers kept frozen in {@code graph}, in topological order (the head's
     *     own parameter-free vertices, such as its pooling, are not listed even when featurizing wraps them)
     */
    public static List<String> frozenLayers(ComputationGraph graph) {
        List<String> names = new ArrayList<>();
        for (int i : graph.topologicalSortOrder()) {
            GraphVertex v = graph.getVertices()[i];
            if (v.hasLayer() && (v.getLayer() instanceof FrozenLayer
                    || v.getLayer() instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop)
                    && !v.getVertexName().startsWith("tk_")) {
                names.add(v.getVertexName());
            }
        }
        return List.copyOf(names);
    }
}
