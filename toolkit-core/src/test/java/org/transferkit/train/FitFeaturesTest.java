package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.Checksums;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.Augmentation;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.LabelledImage;
import org.transferkit.model.EpochStats;
import org.transferkit.model.SkippedFile;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.EvaluationReport;

/**
 * {@link FineTuner#fitFeatures}: the head trained on the vectors the single-machine run featurized (read back from
 * its feature cache, in dataset order) is the head that run trained, and its saved classifier predicts from images.
 */
class FitFeaturesTest {
    @TempDir
    Path tmp;

    private static FineTuner tuner(Path cache) {
        FineTuner.Builder b = FineTuner.builder(new TinyBackbone(3)).epochs(6).learningRate(0.01).seed(5)
                .settings(s -> s.batchSize(8)).decodeThreads(1);
        return (cache == null ? b : b.featureCache(new FeatureCache(cache))).build();
    }

    @Test
    void theSameVectorsInTheSameOrderTrainTheSameHeadAndTheBundlePredictsFromImages() throws Exception {
        Path data = TestImages.folder(tmp.resolve("img"), 12, 1, "blue", "red");
        Path broken = data.resolve("red").resolve("red_broken.png");
        Files.write(broken, "not an image".getBytes(StandardCharsets.US_ASCII));
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(data), 0.25, 0, 3);
        Path cache = tmp.resolve("cache");
        try (TrainedModel fromImages = tuner(cache).fit(split); TrainedModel fromFeatures = tuner(null).fitFeatures(
                vectors(split.train(), cache), vectors(split.val(), cache))) {
            assertEquals(stats(fromImages.history()), stats(fromFeatures.history()));
            assertEquals(fromImages.bestEpoch(), fromFeatures.bestEpoch());
            assertArrayEquals(fromImages.interop().graph().params().toFloatVector(),
                    fromFeatures.interop().graph().params().toFloatVector(), 1e-6f);
            assertEquals(List.of(broken), fromImages.skipped().stream().map(SkippedFile::path).toList());
            assertEquals(List.of(broken), fromFeatures.skipped().stream().map(SkippedFile::path).toList());

            EvaluationReport onImages = (EvaluationReport) fromImages.evaluate(split.val());
            EvaluationReport onVectors = (EvaluationReport) fromFeatures.evaluate(vectors(split.val(), cache));
            assertEquals(onImages.accuracy(), onVectors.accuracy());
            assertEquals(onImages.total(), onVectors.total());

            Path file = tmp.resolve("c.zip");
            fromFeatures.save(file, Map.of());
            try (ImageClassifier c = ImageClassifier.load(file)) {
                EvaluationReport loaded = (EvaluationReport) c.evaluate(split.val());
                assertEquals(onImages.accuracy(), loaded.accuracy());
                assertEquals(onImages.total(), loaded.total());
            }
        }
    }

    @Test
    void vectorsThatDoNotFitOrSettingsThatNeedImagesAreRefused() {
        FeatureSet wrongLength = FeatureSet.builder(List.of("a", "b"), 5).add(Path.of("x.png"), 0, new float[5])
                .add(Path.of("y.png"), 1, new float[5]).build();
        FeatureSet empty = FeatureSet.builder(List.of("a", "b"), 5).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tuner(null).fitFeatures(wrongLength, empty));
        assertTrue(e.getMessage().contains("5 values") && e.getMessage().contains("gives 8"), e.getMessage());

        FeatureSet otherLabels = FeatureSet.builder(List.of("a", "c"), 5).build();
        e = assertThrows(IllegalArgumentException.class, () -> tuner(null).fitFeatures(wrongLength, otherLabels));
        assertTrue(e.getMessage().contains("[a, c]"), e.getMessage());

        FineTuner augmented = FineTuner.builder(new TinyBackbone(3))
                .settings(s -> s.augment(Augmentation.standard(), 1)).build();
        e = assertThrows(IllegalArgumentException.class, () -> augmented.fitFeatures(wrongLength, empty));
        assertTrue(e.getMessage().contains("augmentation"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> FeatureSet.builder(List.of("a", "b"), 5).add(Path.of("x.png"), 2, new float[5]));
        assertTrue(e.getMessage().contains("class index 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FeatureSet.builder(List.of("a", "b"), 5).add(Path.of("x.png"), 0, new float[4]));
        assertTrue(e.getMessage().contains("4 values, expected 5"), e.getMessage());
    }

    /** @return the part's vectors as the single-machine run cached them, in dataset order, with its skipped files */
    private static FeatureSet vectors(ImageDataset part, Path cacheDir) throws Exception {
        Path key;
        try (Stream<Path> dirs = Files.list(cacheDir)) {
            List<Path> all = dirs.toList();
            assertEquals(1, all.size(), "one settings key: " + all);
            key = all.get(0);
        }
        FeatureCache cache = new FeatureCache(cacheDir);
        FeatureSet.Builder b = FeatureSet.builder(part.labels(), 8);
        for (LabelledImage img : part.images()) {
            float[] f = Files.exists(key.resolve(Checksums.sha256(img.path()) + ".f32"))
                    ? cache.get(key.getFileName().toString(), Checksums.sha256(img.path()), 8) : null;
            if (f == null) {
                b.skip(img.path(), "not featurized");
            } else {
                b.add(img.path(), img.label(), f);
            }
        }
        return b.build();
    }

    private static List<String> stats(List<EpochStats> history) {
        return history.stream().map(s -> s.epoch() + " " + s.trainLoss() + " " + s.trainMetric() + " " + s.valLoss()
                + " " + s.valMetric()).toList();
    }
}
