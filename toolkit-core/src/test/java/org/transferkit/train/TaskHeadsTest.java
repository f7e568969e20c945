package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TaskImages;
import org.transferkit.TinyBackbone;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImagePipeline;
import org.transferkit.task.Task;
import org.transferkit.data.TargetManifest;
import org.transferkit.eval.Evaluator;
import org.transferkit.task.MultiLabelReport;
import org.transferkit.task.RegressionReport;
import org.transferkit.head.HeadSpec;
import org.transferkit.task.Loss;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;

/** Multi-label and regression heads through train, evaluate, save, load and predict. */
class TaskHeadsTest {
    @TempDir
    Path tmp;

    private static FineTune settings(Task task, Loss loss, int epochs) {
        return FineTune.builder().epochs(epochs).batchSize(16).learningRate(0.01).seed(3)
                .head(HeadSpec.builder().task(task).loss(loss).hidden(16).dropout(0).build()).build();
    }

    private static <T> T evaluate(TrainingResult r, DatasetSplit s, Task task, double threshold) {
        try (ImagePipeline p = ImagePipeline.builder(s.test()).shape(TinyBackbone.INPUT)
                .preprocessing(r.preprocessing()).build()) {
            @SuppressWarnings("unchecked")
            T rep = (T) Evaluator.evaluate(r.graph(), p, task, threshold);
            return rep;
        }
    }

    @Test
    void multiLabelLearnsIndependentLabelsAndPredictsAboveTheSavedThreshold() throws Exception {
        DatasetSplit s = TargetManifest.read(TaskImages.multiLabel(tmp.resolve("d"), 80, 4), Task.MULTI_LABEL).split();
        TrainingResult r = Trainer.fit(new TinyBackbone(3), s, settings(Task.MULTI_LABEL, null, 40), TrainingListener.NONE);
        assertEquals(Task.MULTI_LABEL, r.task());
        assertEquals(List.of("blue", "red"), r.labels());
        MultiLabelReport rep = evaluate(r, s, Task.MULTI_LABEL, 0.5);
        assertEquals(16, rep.total());
        assertTrue(rep.microF1() >= 0.9, rep.toTable());
        assertTrue(rep.exactMatch() >= 0.8, rep.toTable());
        double tuned = rep.tuneThreshold();
        assertTrue(tuned > 0 && tuned < 1);
        assertTrue(rep.withThreshold(tuned).microF1() >= rep.microF1() - 1e-12);
        assertEquals(Map.of("precision", rep.precision(0), "recall", rep.recall(0), "f1", rep.f1(0), "support",
                rep.support(0), "roc_auc", rep.rocAuc(0)), ((Map<?, ?>) rep.toMap().get("per_label")).get("blue"));

        Path file = tmp.resolve("ml.zip");
        try (ClassifierBundle b = r.toBundle(new TinyBackbone(3), settings(Task.MULTI_LABEL, null, 40),
                rep.toMap(), tuned)) {
            b.save(file);
        }
        assertEquals(2, ClassifierBundle.readManifest(file).formatVersion());
        try (ImageClassifier c = ImageClassifier.load(file)) {
            assertEquals(Task.MULTI_LABEL, c.task());
            assertEquals(tuned, c.threshold());
            int right = 0;
            for (var img : s.test().images()) {
                List<String> got = ((Prediction.Labels) c.predict(img.path())).present().stream().map(ScoredLabel::label)
                        .sorted().toList();
                float[] t = img.target();
                List<String> want = new java.util.ArrayList<>();
                if (t[0] > 0) {
                    want.add("blue");
                }
                if (t[1] > 0) {
                    want.add("red");
                }
                right += got.equals(want) ? 1 : 0;
                float[] p = c.scores(img.path());
                assertTrue(p[0] >= 0 && p[0] <= 1 && p[1] >= 0 && p[1] <= 1); // sigmoids, not a softmax
            }
            // the loaded model decides exactly as the evaluation did at the saved threshold
            assertEquals(Math.round(rep.withThreshold(tuned).exactMatch() * 16), right);
        }
    }

    @Test
    void regressionPredictsInTheTargetsOwnUnitsAfterSaveAndLoad() throws Exception {
        DatasetSplit s = TargetManifest.read(TaskImages.regression(tmp.resolve("r"), 80, 5), Task.REGRESSION).split();
        for (Loss loss : List.of(Loss.MSE, Loss.MAE)) {
            TrainingResult r = Trainer.fit(new TinyBackbone(2), s, settings(Task.REGRESSION, loss, 60),
                    TrainingListener.NONE);
            assertEquals(100, r.targetScaling().mean()[0] + r.targetScaling().mean()[1], 1e-3);
            RegressionReport rep = evaluate(r, s, Task.REGRESSION, 0.5);
            assertTrue(rep.headline() >= 0.9, loss + "\n" + rep.toTable());
            assertTrue(rep.mae(0) < 8, loss + "\n" + rep.toTable()); // percent points, not standardized units
            Path file = tmp.resolve(loss + ".zip");
            try (ClassifierBundle b = r.toBundle(new TinyBackbone(2),
                    settings(Task.REGRESSION, loss, 60), rep.toMap())) {
                b.save(file);
            }
            try (ImageClassifier c = ImageClassifier.load(file)) {
                assertEquals(Task.REGRESSION, c.task());
                var img = s.test().images().get(0);
                Map<String, Double> v = ((Prediction.Values) c.predict(img.path())).values();
                assertEquals(List.of("brightness", "inverse"), List.copyOf(v.keySet()));
                assertEquals(img.target()[0], v.get("brightness"), 10);
                assertEquals(100, v.get("brightness") + v.get("inverse"), 10);
            }
        }
    }

    @Test
    void aHeadThatDoesNotFitTheDataIsRefusedBeforeTraining() throws Exception {
        DatasetSplit s = TargetManifest.read(TaskImages.regression(tmp.resolve("r"), 10, 5), Task.REGRESSION).split();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trainer.fit(new TinyBackbone(1), s,
                FineTune.builder().build(), TrainingListener.NONE));
        assertTrue(e.getMessage().contains("single-label") && e.getMessage().contains("regression"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HeadSpec.builder().task(Task.REGRESSION)
                .loss(Loss.CROSS_ENTROPY).build());
        assertTrue(e.getMessage().contains("mse, mae"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Trainer.fit(new TinyBackbone(1), s,
                FineTune.builder().labelSmoothing(0.1).head(HeadSpec.builder().task(Task.REGRESSION).build()).build(),
                TrainingListener.NONE));
        assertTrue(e.getMessage().contains("single-label training only"), e.getMessage());
    }
}
