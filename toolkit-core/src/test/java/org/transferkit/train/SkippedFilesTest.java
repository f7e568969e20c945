package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.SaltedData;
import org.transferkit.TinyBackbone;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.ConvNet;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageSource;
import org.transferkit.model.InputShape;
import org.transferkit.model.SkippedFile;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Task;
import org.transferkit.task.TaskReport;

/**
 * Issue 18, problem 4: every file a run does not use is reported by training as by evaluation, with the reason: in
 * {@link TrainedModel#skipped()}, in the metrics {@code metrics.json} is written from, and in an
 * {@link ImageClassifier}'s report and predictions.
 */
class SkippedFilesTest {
    @TempDir
    Path tmp;

    private static FineTuner tuner(Backbone backbone) {
        return FineTuner.builder(backbone).epochs(1).seed(3).settings(s -> s.batchSize(4)).build();
    }

    /** @return the metrics' skipped list as SkippedFiles, checking that {@code images_skipped} counts it */
    @SuppressWarnings("unchecked")
    private static List<SkippedFile> metricsSkipped(Map<String, Object> metrics) {
        List<Map<String, Object>> list = (List<Map<String, Object>>) metrics.get("skipped");
        assertEquals(list.size(), metrics.get("images_skipped"));
        return list.stream().map(m -> new SkippedFile(Path.of((String) m.get("path")), (String) m.get("reason")))
                .toList();
    }

    @Test
    void trainingReportsEveryUnusedFileOfAFolderWithItsReason() throws Exception {
        Path dir = SaltedData.folder(tmp.resolve("photos"), 8);
        ImageDataset all = ImageSource.folder(dir).dataset();
        DatasetSplit split = DatasetSplit.stratified(all, 0.25, 0, 7);
        try (TrainedModel model = tuner(new TinyBackbone(1)).fit(split)) {
            SaltedData.assertListed(model.skipped(), dir, SaltedData.FOLDER_SKIPS);
            assertEquals(SaltedData.FOLDER_SKIPS.size(), model.skipped().size(), model.skipped().toString());
            TaskReport report = model.evaluate(split.val());
            SaltedData.assertListed(metricsSkipped(model.metrics(report, "val")), dir, SaltedData.FOLDER_SKIPS);
            assertEquals(all.size() - 1, model.trainImages() + model.valImages(), "all but the half JPEG are used");

            Path saved = tmp.resolve("model.zip");
            model.save(saved, Map.of());
            try (ImageClassifier c = ImageClassifier.load(saved)) {
                TaskReport eval = c.evaluate(ImageSource.folder(dir).dataset(c.labels()));
                SaltedData.assertListed(eval.skipped(), dir, SaltedData.FOLDER_SKIPS);
                TransferKitException e = assertThrows(TransferKitException.class,
                        () -> c.predict(dir.resolve("blue/half.jpg")));
                assertTrue(e.getMessage().contains("half.jpg") && e.getMessage().contains("partly decodable"),
                        e.getMessage());
            }
        }
    }

    @Test
    void trainingReportsMissingRowsAndRowsOutsideTheCsvFolderUnlessAllowed() throws Exception {
        Path dir = SaltedData.folder(tmp.resolve("photos"), 8);
        Path csv = SaltedData.csv(dir);
        Map<String, String> expected = new HashMap<>(SaltedData.FOLDER_SKIPS);
        expected.remove("red/loop"); // a folder: not a row of the CSV
        expected.putAll(SaltedData.CSV_SKIPS);
        DatasetSplit split = DatasetSplit.stratified(ImageSource.csv(csv, Task.SINGLE_LABEL).dataset(), 0.25, 0, 7);
        try (TrainedModel model = tuner(new TinyBackbone(1)).fit(split)) {
            SaltedData.assertListed(model.skipped(), dir, expected);
            TaskReport report = model.evaluate(split.val());
            SaltedData.assertListed(metricsSkipped(model.metrics(report, "val")), dir, expected);
        }
        Path outside = dir.resolveSibling("outside.png");
        ImageDataset allowed = ImageSource.csv(csv, Task.SINGLE_LABEL, true).dataset();
        assertTrue(allowed.images().stream().anyMatch(i -> i.path().equals(outside)), "allowed: the row is used");
        assertTrue(allowed.skipped().stream().noneMatch(s -> s.path().equals(outside)), allowed.skipped().toString());
    }

    @Test
    void aSecondRunOnCachedFeaturesReportsTheSameFiles() throws Exception {
        Path dir = SaltedData.folder(tmp.resolve("photos"), 8);
        DatasetSplit split = DatasetSplit.stratified(ImageSource.folder(dir).dataset(), 0.25, 0, 7);
        FeatureCache cache = new FeatureCache(tmp.resolve("cache"));
        FineTuner cached = FineTuner.builder(new TinyBackbone(1)).epochs(1).featureCache(cache).build();
        List<SkippedFile> first;
        try (TrainedModel model = cached.fit(split)) {
            first = model.skipped();
        }
        try (TrainedModel model = cached.fit(split)) {
            assertEquals(first, model.skipped(), "cache hits keep the listing's skips");
            SaltedData.assertListed(model.skipped(), dir, SaltedData.FOLDER_SKIPS);
        }
    }

    @Test
    void aNetworkTrainedFromScratchReportsThemToo() throws Exception {
        Path dir = SaltedData.folder(tmp.resolve("photos"), 6);
        DatasetSplit split = DatasetSplit.stratified(ImageSource.folder(dir).dataset(), 0.25, 0, 7);
        try (TrainedModel model = tuner(ConvNet.smallCnn(new InputShape(3, 32, 32), 1)).fit(split)) {
            SaltedData.assertListed(model.skipped(), dir, SaltedData.FOLDER_SKIPS);
        }
    }
}
