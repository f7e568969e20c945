package org.transferkit.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TaskImages;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.TargetManifest;
import org.transferkit.head.HeadSpec;
import org.transferkit.task.Task;
import org.transferkit.task.TaskReport;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;

/** {@link ImageClassifier#evaluate} is the trained model's evaluation, from the saved file. */
class ImageClassifierEvaluateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aSingleLabelClassifierEvaluatesAsTheModelItWasSavedFrom() throws Exception {
        Path dir = TestImages.folder(tmp.resolve("single"), 6, 2, "red", "blue");
        Files.write(dir.resolve("red/broken.png"), new byte[] {1, 2, 3}); // listed as skipped by both
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(dir), 0.25, 0, 1);
        sameReport(split, split.train());
    }

    @Test
    void aMultiLabelClassifierEvaluatesAsTheModelItWasSavedFromAtItsThreshold() throws Exception {
        DatasetSplit split = TargetManifest.read(TaskImages.multiLabel(tmp.resolve("multi"), 20, 2), Task.MULTI_LABEL)
                .split();
        sameReport(split, split.train());
    }

    @Test
    void imagesOfAnotherTaskOrLabelsAndAClosedClassifierAreRefused() throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp.resolve("s"), 6, 2,
                "red", "blue")), 0.25, 0, 1);
        Path file = tmp.resolve("s.zip");
        try (TrainedModel model = tuner().fit(split)) {
            model.save(file, Map.of());
        }
        ImageDataset others = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("o"), 2, 3, "red", "green"));
        ImageClassifier c = ImageClassifier.load(file);
        try (c) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.evaluate(others));
            assertTrue(e.getMessage().contains("[green, red]") && e.getMessage().contains("[blue, red]"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> c.evaluate(split.val(), 0));
            assertTrue(e.getMessage().contains("got 0"), e.getMessage());
            assertTrue(c.interop().graph().numParams() > 0);
        }
        assertThrows(IllegalStateException.class, () -> c.evaluate(split.val()));
        assertThrows(IllegalStateException.class, c::interop);
    }

    private void sameReport(DatasetSplit split, ImageDataset images) throws Exception {
        Path file = tmp.resolve(split.train().task().id() + ".zip");
        TaskReport trained;
        double threshold;
        try (TrainedModel model = tuner().fit(split)) {
            trained = model.evaluate(images);
            threshold = model.threshold();
            model.save(file, model.metrics(trained, "train"));
        }
        try (ImageClassifier c = ImageClassifier.load(file)) {
            assertEquals(threshold, c.threshold());
            TaskReport loaded = c.evaluate(images);
            assertEquals(json(trained), json(loaded));
            assertEquals(trained.skipped(), loaded.skipped());
            assertEquals(json(trained), json(c.evaluate(images, 3)), "the batch size changes memory, not results");
            assertEquals(images.size(), loaded.total() + loaded.skipped().size());
        }
    }

    /** @return the report's metrics as JSON (value equality of its arrays) */
    private static String json(TaskReport r) throws Exception {
        return JSON.writeValueAsString(r.toMap());
    }

    private static FineTuner tuner() {
        return FineTuner.builder(new TinyBackbone(2)).epochs(2).learningRate(0.01).seed(2)
                .head(HeadSpec.builder().hidden(8).build()).settings(s -> s.batchSize(8)).build();
    }
}
