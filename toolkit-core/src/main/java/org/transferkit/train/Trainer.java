package org.transferkit.train;

import java.util.ArrayList;
import java.util.List;
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
import org.transferkit.data.Preprocessing;
import org.transferkit.data.SkippedFile;
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
        if (labels.size() < 2) {
            throw new DatasetException("training data has " + labels.size() + " class(es) " + labels
                    + "; a classifier needs at least 2 class folders");
        }
        Preprocessing pre = settings.preprocessing() != null ? settings.preprocessing() : backbone.preprocessing();
        double[] weights = settings.classWeights() ? ClassBalance.weights(data.train().classCounts()) : null;
        Nd4j.getRandom().setSeed(settings.seed());
        ComputationGraph graph = TransferModel.build(backbone.loadGraph(), cut, settings.head(), labels.size(),
                settings.optimizer().updater(settings.learningRate()), settings.seed(), weights);
        // name the cut vertex: when it is not a layer (e.g. SqueezeNet's merge vertex fire9) the helper would
        // otherwise start the head at its frozen inputs, a multi-input graph that cannot fit a DataSet
        TransferLearningHelper helper = new TransferLearningHelper(graph, cut.vertex());

        long t0 = System.nanoTime();
        List<SkippedFile> skipped = new ArrayList<>();
        DataSet train = featurize(helper, backbone, pre, data.train(), settings, null, 0, skipped);
        DataSet val = data.val().size() == 0 ? null
                : featurize(helper, backbone, pre, data.val(), settings, null, 0, skipped);
        int trainN = train == null ? 0 : train.numExamples();
        int valN = val == null ? 0 : val.numExamples();
        checkUsable(train, labels, skipped);
        if (settings.augmentation() != null) {
            List<DataSet> all = new ArrayList<>(List.of(train));
            for (int copy = 1; copy <= settings.augmentedCopies(); copy++) {
                all.add(featurize(helper, backbone, pre, data.train(), settings, settings.augmentation(),
                        settings.seed() * 31 + copy, new ArrayList<>()));
            }
            train = DataSet.merge(all);
        }
        listener.onFeaturized(trainN, valN, (System.nanoTime() - t0) / 1e9);

        ComputationGraph head = helper.unfrozenGraph();
        List<EpochStats> history = new ArrayList<>();
        INDArray best = null;
        int bestEpoch = 0;
        double bestAcc = Double.NEGATIVE_INFINITY;
        for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
            long e0 = System.nanoTime();
            DataSet shuffled = train.copy();
            shuffled.shuffle(settings.seed() + epoch);
            double lossSum = 0;
            int correct = 0;
            for (DataSet batch : shuffled.batchBy(settings.batchSize())) {
                helper.fitFeaturized(batch);
                lossSum += head.score() * batch.numExamples();
            }
            int seen = train.numExamples();
            correct = countCorrect(helper.outputFromFeaturized(train.getFeatures()), train.getLabels());
            double valLoss = Double.NaN;
            double valAcc = Double.NaN;
            if (val != null) {
                INDArray out = helper.outputFromFeaturized(val.getFeatures());
                valAcc = countCorrect(out, val.getLabels()) / (double) valN;
                valLoss = crossEntropy(out, val.getLabels());
            }
            EpochStats stats = new EpochStats(epoch, lossSum / seen, correct / (double) seen, valLoss, valAcc,
                    (System.nanoTime() - e0) / 1e9);
            history.add(stats);
            listener.onEpochEnd(stats);
            double score = val != null ? valAcc : epoch; // without validation: keep the last epoch
            if (score > bestAcc) {
                bestAcc = score;
                bestEpoch = epoch;
                best = head.params().dup();
            }
        }
        head.setParams(best);
        copyHeadInto(head, graph);
        return new TrainingResult(graph, labels, cut, List.copyOf(history), bestEpoch, trainN, valN,
                List.copyOf(skipped), frozenLayers(graph), pre);
    }

    private static DataSet featurize(TransferLearningHelper helper, Backbone backbone, Preprocessing pre,
            ImageDataset part, FineTune settings, Augmentation augmentation, long augmentSeed,
            List<SkippedFile> skipped) {
        List<DataSet> feats = new ArrayList<>();
        ImagePipeline.Builder b = ImagePipeline.builder(part).shape(backbone.inputShape()).preprocessing(pre)
                .batchSize(settings.batchSize()).threads(settings.decodeThreads());
        if (augmentation != null) {
            b.augment(augmentation, augmentSeed);
        }
        try (ImagePipeline pipe = b.build()) {
            while (pipe.hasNext()) {
                DataSet f = helper.featurize(pipe.next());
                feats.add(new DataSet(f.getFeatures().detach(), f.getLabels().detach()));
            }
            skipped.addAll(pipe.skipped());
        }
        return feats.isEmpty() ? null : DataSet.merge(feats);
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

    static int countCorrect(INDArray probabilities, INDArray oneHot) {
        INDArray pred = probabilities.argMax(1);
        INDArray truth = oneHot.argMax(1);
        return pred.eq(truth).castTo(org.nd4j.linalg.api.buffer.DataType.INT32).sumNumber().intValue();
    }

    static double crossEntropy(INDArray probabilities, INDArray oneHot) {
        INDArray p = probabilities.mul(oneHot).sum(1);
        double sum = 0;
        for (long i = 0; i < p.length(); i++) {
            sum -= Math.log(Math.max(1e-12, p.getDouble(i)));
        }
        return sum / p.length();
    }

    private static void copyHeadInto(ComputationGraph head, ComputationGraph full) {
        for (GraphVertex v : head.getVertices()) {
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                full.getLayer(v.getVertexName()).setParams(v.getLayer().params().dup());
            }
        }
    }

    /** @return names of the frozen layers of {@code graph}, in topological order */
    public static List<String> frozenLayers(ComputationGraph graph) {
        List<String> names = new ArrayList<>();
        for (int i : graph.topologicalSortOrder()) {
            GraphVertex v = graph.getVertices()[i];
            if (v.hasLayer() && v.getLayer() instanceof FrozenLayer) {
                names.add(v.getVertexName());
            }
        }
        return List.copyOf(names);
    }
}
