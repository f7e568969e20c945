package org.transferkit.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.DatasetException;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.ClassBalance;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;

/**
 * Phase 1 on features read batch by batch every epoch ({@link FeatureSource}), for more vectors than memory holds:
 * the same transfer graph, {@link EpochLoop}, schedule, patience, kept-epoch choice and result as
 * {@link FeatureTraining}, with {@link StreamingHeadPhase} in place of the in-memory {@link HeadPhase}. The head
 * search, which cross-validates in memory, runs on a seeded stratified sample of the training vectors
 * ({@link #sample}); the winner then trains on all of them, streaming. Stateless.
 */
final class StreamingTraining {
    private StreamingTraining() {
    }

    /**
     * Trains the settings' head on the sources.
     *
     * @param backbone the backbone the features came from
     * @param train training vectors
     * @param val validation vectors (may be empty: then the last epoch is kept)
     * @param settings single-label settings without augmentation or phase 2
     * @param sampleLimit the most training vectors the head search holds (its sample's size)
     * @param env checkpoints and run-time options
     * @param listener progress events
     * @return the trained network and its history
     * @throws DatasetException if fewer than two classes have training vectors, or a class has none
     * @throws TransferKitException if the backbone's weights cannot be loaded or a checkpoint not written
     * @throws IllegalArgumentException as {@link FeatureTraining#fit}
     */
    static TrainingResult fit(Backbone backbone, FeatureSource train, FeatureSource val, FineTune settings,
            int sampleLimit, RunEnvironment env, TrainingListener listener) throws TransferKitException {
        FeatureTraining.checkSettings(backbone, settings);
        CutPoint cut = FeatureTraining.cutPoint(backbone, settings);
        Featurizer.Features at = FeatureTraining.featuresAt(backbone, cut, settings, train.length());
        List<String> labels = train.labels();
        Task task = Task.SINGLE_LABEL;
        int[] counts = train.classCounts();
        double[] weights = settings.classWeights() ? ClassBalance.weights(counts) : null;
        List<SkippedFile> skipped = new ArrayList<>(train.skipped());
        skipped.addAll(val.skipped());
        Featurizer.checkUsable(counts, labels, skipped);
        HeadSearch.Result search = null;
        if (settings.search().mode() != HeadSearch.Mode.OFF) {
            // the sample is drawn (and held) only when the search will run on it: settings given explicitly make it
            // step aside before it reads any vector
            DataSet searchOn = HeadSearch.explicitlySet(settings).isEmpty()
                    ? sample(train, sampleLimit, settings.seed()).toDataSet(at.shape()) : null;
            search = Trainer.search(backbone, settings, searchOn, task, labels.size(), at.shape(), weights,
                    env.runtime().engine());
        }
        FineTune run = search != null && search.ran() ? search.settings() : settings;
        ComputationGraph graph = Trainer.transferGraph(backbone, cut, run, labels.size(), weights, env);
        Trainer.announce(listener, "head", graph, backbone);
        TransferLearningHelper helper = new TransferLearningHelper(graph, at.vertex());
        StreamingHeadPhase phase = new StreamingHeadPhase(helper.unfrozenGraph(), train, val.size() == 0 ? null : val,
                task, run.head().loss(), run, at.shape(), search == null || !search.ran());
        String fingerprint = FeatureCache.settingsKey(run.toMap().toString(), backbone.id(), backbone.weightsId(),
                cut.name(), "streamed", Integer.toString(train.size()), Arrays.toString(counts),
                Integer.toString(val.size()), Arrays.toString(val.classCounts()));
        EpochLoop.Outcome outcome = Trainer.runHead(phase, graph, task, run, env, fingerprint, listener);
        Preprocessing pre = settings.preprocessing() != null ? settings.preprocessing() : backbone.preprocessing();
        return new TrainingResult(graph, labels, cut, outcome.history(), outcome.bestEpoch(), train.size(),
                val.size(), List.copyOf(skipped), Trainer.frozenLayers(graph), pre, task, null, search);
    }

    /**
     * A seeded, stratified sample of the source, in one pass over it: each class keeps its share of {@code limit}
     * vectors (at least one), chosen uniformly by reservoir sampling; the sample keeps the source's order.
     *
     * @param source the vectors
     * @param limit the sample's size, >= 1 (the whole source when it has no more)
     * @param seed the draw
     * @return the sample, in memory
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    static FeatureSet sample(FeatureSource source, int limit, long seed) {
        if (limit < 1) {
            throw new IllegalArgumentException("the sample must hold at least 1 vector, got " + limit);
        }
        int[] counts = source.classCounts();
        int[] quota = new int[counts.length];
        for (int c = 0; c < counts.length; c++) {
            quota[c] = source.size() <= limit ? counts[c]
                    : (int) Math.min(counts[c], Math.max(1, (long) limit * counts[c] / source.size()));
        }
        int length = source.length();
        float[][][] kept = new float[counts.length][][];
        long[][] index = new long[counts.length][];
        Path[][] paths = new Path[counts.length][];
        for (int c = 0; c < counts.length; c++) {
            kept[c] = new float[quota[c]][];
            index[c] = new long[quota[c]];
            paths[c] = new Path[quota[c]];
        }
        int[] seen = new int[counts.length];
        Random random = new Random(seed);
        long at = 0;
        try (FeatureSource.Batches pass = source.inOrder(1024)) {
            while (pass.hasNext()) {
                FeatureSource.FeatureBatch batch = pass.next();
                for (int r = 0; r < batch.size(); r++, at++) {
                    int c = batch.labels()[r];
                    int slot = seen[c] < quota[c] ? seen[c] : random.nextInt(seen[c] + 1);
                    seen[c]++;
                    if (slot < quota[c]) {
                        kept[c][slot] = Arrays.copyOfRange(batch.features(), r * length, (r + 1) * length);
                        index[c][slot] = at;
                        paths[c][slot] = batch.paths().get(r);
                    }
                }
            }
        }
        List<long[]> order = new ArrayList<>(); // {source index, class, slot}
        for (int c = 0; c < counts.length; c++) {
            for (int s = 0; s < Math.min(quota[c], seen[c]); s++) {
                order.add(new long[] {index[c][s], c, s});
            }
        }
        order.sort((a, b) -> Long.compare(a[0], b[0]));
        FeatureSet.Builder b = FeatureSet.builder(source.labels(), length);
        for (long[] o : order) {
            b.add(paths[(int) o[1]][(int) o[2]], (int) o[1], kept[(int) o[1]][(int) o[2]]);
        }
        return b.build();
    }
}
