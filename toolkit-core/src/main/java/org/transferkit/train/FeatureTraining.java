package org.transferkit.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.DatasetException;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.ClassBalance;
import org.transferkit.head.HeadSpec;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;
import org.transferkit.task.TaskReport;

/**
 * Phase 1 from features made elsewhere ({@link FeatureSet}): the same transfer graph, head search, {@link HeadPhase}
 * and {@link EpochLoop} as {@link Trainer#fit}, minus the featurizing. The result holds the whole network (frozen
 * backbone and trained head), so its bundle predicts from images like any other. Stateless.
 */
final class FeatureTraining {
    private FeatureTraining() {
    }

    /**
     * Trains the settings' head on the features.
     *
     * @param backbone the backbone the features came from (its graph becomes the bundle's frozen part)
     * @param train training features
     * @param val validation features (may be empty: then the last epoch is kept)
     * @param settings single-label settings without augmentation or phase 2
     * @param env checkpoints and run-time options (the feature cache is not used)
     * @param listener progress events
     * @return the trained network and its history
     * @throws DatasetException if fewer than two classes have training vectors
     * @throws TransferKitException if the backbone's weights cannot be loaded or a checkpoint not written
     * @throws IllegalArgumentException if the vectors' length does not fit the cut point and pooling, or the
     *     settings need images (augmentation, phase 2, a backbone trained from scratch)
     */
    static TrainingResult fit(Backbone backbone, FeatureSet train, FeatureSet val, FineTune settings,
            RunEnvironment env, TrainingListener listener) throws TransferKitException {
        checkSettings(backbone, settings);
        CutPoint cut = cutPoint(backbone, settings);
        Featurizer.Features at = featuresAt(backbone, cut, settings, train.length());
        List<String> labels = train.labels();
        Task task = Task.SINGLE_LABEL;
        double[] weights = settings.classWeights() ? ClassBalance.weights(train.classCounts()) : null;
        List<SkippedFile> skipped = new ArrayList<>(train.skipped());
        skipped.addAll(val.skipped());
        DataSet trainSet = train.toDataSet(at.shape());
        DataSet valSet = val.toDataSet(at.shape());
        Featurizer.checkUsable(trainSet, labels, skipped);
        HeadSearch.Result search = Trainer.search(backbone, settings, trainSet, task, labels.size(), at.shape(), weights,
                env.runtime().engine());
        FineTune run = search != null && search.ran() ? search.settings() : settings;
        ComputationGraph graph = Trainer.transferGraph(backbone, cut, run, labels.size(), weights, env);
        Trainer.announce(listener, "head", graph, backbone);
        TransferLearningHelper helper = new TransferLearningHelper(graph, at.vertex());
        // with a search, cross-validation chose the epoch count: the validation vectors are measured, not chosen by
        EpochLoop.Outcome outcome = Trainer.trainHead(helper, graph, trainSet, valSet, task, run, labels.size(),
                search == null || !search.ran(), backbone, cut, env, listener);
        Preprocessing pre = settings.preprocessing() != null ? settings.preprocessing() : backbone.preprocessing();
        return new TrainingResult(graph, labels, cut, outcome.history(), outcome.bestEpoch(), train.size(),
                val.size(), List.copyOf(skipped), Trainer.frozenLayers(graph), pre, task, null, search);
    }

    /** @return the settings' cut point of the backbone (its default when unset) */
    static CutPoint cutPoint(Backbone backbone, FineTune settings) {
        return settings.cutPoint() == null ? backbone.defaultCutPoint() : backbone.cutPoint(settings.cutPoint());
    }

    /**
     * @return where the head reads its features
     * @throws IllegalArgumentException if vectors of {@code length} values do not fit the cut point and pooling
     */
    static Featurizer.Features featuresAt(Backbone backbone, CutPoint cut, FineTune settings, int length) {
        Featurizer.Features at = Featurizer.Features.of(cut, settings.head());
        if (length != at.length()) {
            throw new IllegalArgumentException("the feature vectors have " + length + " values, but "
                    + backbone.id() + " at cut point " + cut.name() + " with " + settings.head().pooling()
                    + " pooling gives " + at.length() + "; train with the backbone, cut point and pooling that made them");
        }
        return at;
    }

    /** @throws IllegalArgumentException if the settings need images or another task than single-label */
    static void checkSettings(Backbone backbone, FineTune settings) {
        if (backbone.trainsFromScratch()) {
            throw new IllegalArgumentException(backbone.id() + " trains from scratch on images; it has no features "
                    + "to train a head on");
        }
        if (settings.augmentation() != null || settings.unfreeze() != null) {
            throw new IllegalArgumentException("augmentation and phase 2 (unfreeze) need the images, not their "
                    + "features; train from images with FineTuner.fit for them");
        }
        if (settings.head().task() != Task.SINGLE_LABEL) {
            throw new IllegalArgumentException("training from features is single-label; the head is for "
                    + settings.head().task().id());
        }
    }

    /**
     * Evaluates a trained model's head on features, as {@link TrainedModel#evaluate} does on images (the same
     * report; the features must come from the model's backbone and cut point). The vectors are read batch by batch;
     * only the head's outputs (one value per class and image) are kept for the report.
     *
     * @param result a trained model
     * @param head its head settings (pooling)
     * @param features labelled features of the model's classes (in memory or streamed)
     * @param threshold the decision threshold
     * @return the task's report, listing the features' skipped files
     */
    static TaskReport evaluate(TrainingResult result, HeadSpec head, FeatureSource features, double threshold) {
        Featurizer.Features at = Featurizer.Features.of(result.cutPoint(), head);
        if (features.length() != at.length() || !features.labels().equals(result.labels())) {
            throw new IllegalArgumentException("features are " + features.labels() + " x " + features.length()
                    + " values but the model reads " + result.labels() + " x " + at.length());
        }
        List<float[]> outputs = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        int classes = result.labels().size();
        // the head as DL4J's helper cuts it off the trained network (its own copy of the head's weights)
        ComputationGraph net = features.size() == 0 ? null
                : new TransferLearningHelper(result.graph(), at.vertex()).unfrozenGraph();
        long[] full = new long[at.shape().length + 1];
        System.arraycopy(at.shape(), 0, full, 1, at.shape().length);
        try (FeatureSource.Batches pass = features.inOrder(256)) {
            while (pass.hasNext()) {
                FeatureSource.FeatureBatch batch = pass.next();
                full[0] = batch.size();
                float[][] out = net.outputSingle(Nd4j.create(batch.features(), full, 'c')).toFloatMatrix();
                for (int r = 0; r < out.length; r++) {
                    outputs.add(out[r]);
                    float[] t = new float[classes];
                    t[batch.labels()[r]] = 1;
                    targets.add(t);
                }
                paths.addAll(batch.paths());
            }
        }
        return result.task().report(result.labels(), outputs.toArray(new float[0][]), targets.toArray(new float[0][]),
                paths, threshold, features.skipped());
    }
}
