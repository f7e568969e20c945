package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.ImageDataset;
import org.transferkit.head.HeadSpec;
import org.transferkit.task.Task;

/** The head search: training images only, reproducible, within its budget, for every task, with a small-data rule. */
class HeadSearchTest {
    @TempDir
    Path tmp;

    private static final HeadSearch SMALL = HeadSearch.quick().withFolds(2).withMaxEpochs(4);

    /** @return the search's record without timings (they differ from run to run); HeadOnEngineTest uses it too */
    static List<Map<String, Object>> scores(HeadSearch.Result r) {
        return r.tried().stream().map(s -> {
            Map<String, Object> m = new java.util.LinkedHashMap<>(s.toMap());
            m.remove("seconds");
            return m;
        }).toList();
    }

    @Test
    void theSearchNeverSeesTheValidationImagesAndIsReproducible() throws Exception {
        ImageDataset train = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("train"), 6, 1, "red", "blue"));
        ImageDataset val = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("val"), 4, 2, "red", "blue"));
        // the same class names with the other class's images: every validation label is wrong
        Path swapped = tmp.resolve("swapped");
        TestImages.folder(swapped.resolve("tmp"), 4, 3, "red", "blue");
        java.nio.file.Files.move(swapped.resolve("tmp/red"), swapped.resolve("blue"));
        java.nio.file.Files.move(swapped.resolve("tmp/blue"), swapped.resolve("red"));
        java.nio.file.Files.delete(swapped.resolve("tmp"));
        ImageDataset corrupt = ImageDataset.fromFolder(swapped);

        FineTuner tuner = FineTuner.builder(new TinyBackbone(3)).search(SMALL).build();
        try (TrainedModel a = tuner.fit(train, val); TrainedModel b = tuner.fit(train, corrupt)) {
            assertTrue(a.search().ran(), a.search().why());
            assertEquals(SMALL.candidates(Task.SINGLE_LABEL).size(), a.search().tried().size());
            assertEquals(scores(a.search()), scores(b.search()));
            assertEquals(a.search().chosen().candidate().name(), b.search().chosen().candidate().name());
            // the validation images were measured (differently), but chose nothing: the last epoch is kept
            assertNotEquals(a.history().get(a.history().size() - 1).valMetric(),
                    b.history().get(b.history().size() - 1).valMetric());
            assertEquals(a.history().size(), a.bestEpoch());
            assertEquals(a.search().chosen().epochs(), a.settings().epochs());
            assertArrayEquals(a.search().chosen().candidate().hidden(), a.settings().head().hidden());
            Map<String, Object> metrics = a.metrics(a.evaluate(val), "val");
            assertTrue(metrics.get("epoch_chosen_on").toString().startsWith("cross-validation on the training images"));
            assertEquals(true, ((Map<?, ?>) metrics.get("head_search")).get("ran"));
        }
    }

    @Test
    void theBudgetStopsTheSearchAfterTheFirstCandidate() throws Exception {
        ImageDataset train = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("train"), 4, 1, "red", "blue"));
        ImageDataset val = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("val"), 2, 2, "red", "blue"));
        HeadSearch tight = SMALL.withBudget(Duration.ofNanos(1));
        try (TrainedModel m = FineTuner.builder(new TinyBackbone(3)).search(tight).build().fit(train, val)) {
            assertEquals(1, m.search().tried().size());
            assertTrue(m.search().budgetExceeded());
            assertTrue(m.search().toTable().contains("tried 1 of 6 candidates"), m.search().toTable());
        }
    }

    @Test
    void tooFewImagesFallBackToTheFixedDefaults() throws Exception {
        ImageDataset train = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("train"), 1, 1, "red", "blue"));
        ImageDataset val = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("val"), 2, 2, "red", "blue"));
        try (TrainedModel m = FineTuner.builder(new TinyBackbone(3)).search(SMALL).build().fit(train, val)) {
            assertFalse(m.search().ran());
            assertTrue(m.search().why().contains("too few training images"), m.search().why());
            assertArrayEquals(new int[] {128}, m.settings().head().hidden());
            assertEquals(30, m.history().size());
        }
    }

    @Test
    void explicitSettingsAreTrainedAsGiven() throws Exception {
        ImageDataset train = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("train"), 4, 1, "red", "blue"));
        ImageDataset val = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("val"), 2, 2, "red", "blue"));
        try (TrainedModel m = FineTuner.builder(new TinyBackbone(3)).search(HeadSearch.quick()).epochs(3).head(HeadSpec.linear()).build()
                .fit(train, val)) {
            assertFalse(m.search().ran());
            assertTrue(m.search().why().contains("head, epochs set explicitly"), m.search().why());
            assertEquals(3, m.history().size());
        }
        try (TrainedModel m = FineTuner.builder(new TinyBackbone(3)).search(HeadSearch.off()).build()
                .fit(train, val)) {
            assertNull(m.search());
        }
    }

    /** Features where the targets are a function of the first inputs, for tasks without image helpers. */
    private static DataSet synthetic(Task task, int n, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[n][8];
        float[][] y = new float[n][2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 8; j++) {
                x[i][j] = (float) rnd.nextGaussian();
            }
            if (task == Task.MULTI_LABEL) {
                y[i][0] = x[i][0] > 0 ? 1 : 0;
                y[i][1] = x[i][1] > 0 ? 1 : 0;
            } else {
                y[i][0] = x[i][0] + 0.5f * x[i][1];
                y[i][1] = x[i][2] - x[i][3];
            }
        }
        return new DataSet(Nd4j.create(x), Nd4j.create(y));
    }

    @Test
    void multiLabelAndRegressionAreSearchedByTheirOwnMetric() throws Exception {
        for (Task task : List.of(Task.MULTI_LABEL, Task.REGRESSION)) {
            FineTune base = FineTune.builder().head(HeadSpec.builder().task(task).build()).build();
            DataSet data = synthetic(task, 40, 5);
            HeadSearch.Result r = CrossValidation.run(SMALL, base, data, task, 2, new long[] {8}, null, null);
            assertTrue(r.ran(), r.why());
            assertEquals(task.metricName(), r.metric());
            assertEquals(5, r.tried().size()); // no label smoothing outside single-label
            assertTrue(r.chosen().score() > -1, r.toTable());
            assertEquals(task, r.settings().head().task());
            HeadSearch.Result again = CrossValidation.run(SMALL, base, data, task, 2, new long[] {8}, null, null);
            assertEquals(scores(r), scores(again));
            assertFalse(CrossValidation.run(SMALL, base, synthetic(task, 3, 5), task, 2, new long[] {8}, null, null).ran());
        }
    }

    @Test
    void theScoresDoNotDependOnHowManyThreadsTrainTheFolds() throws Exception {
        Task task = Task.REGRESSION;
        FineTune base = FineTune.builder().head(HeadSpec.builder().task(task).build()).build();
        DataSet data = synthetic(task, 30, 9);
        HeadSearch three = SMALL.withFolds(3);
        HeadSearch.Result one = CrossValidation.run(three.withThreads(1), base, data, task, 2, new long[] {8}, null, null);
        HeadSearch.Result many = CrossValidation.run(three.withThreads(3), base, data, task, 2, new long[] {8}, null, null);
        assertEquals(scores(one), scores(many));
        assertEquals(one.chosen().candidate().name(), many.chosen().candidate().name());
    }

    @Test
    void batchesAreConsecutiveSlicesLikeBatchBy() {
        DataSet d = synthetic(Task.REGRESSION, 11, 3);
        List<DataSet> ours = HeadPhase.batches(d, 4);
        List<DataSet> theirs = d.batchBy(4);
        assertEquals(theirs.size(), ours.size());
        for (int i = 0; i < ours.size(); i++) {
            assertEquals(theirs.get(i).getFeatures(), ours.get(i).getFeatures());
            assertEquals(theirs.get(i).getLabels(), ours.get(i).getLabels());
        }
        assertArrayEquals(d.getLabels().toFloatMatrix(), HeadPhase.matrix(d.getLabels()));
    }

    @Test
    void foldsAreStratifiedAndSeeded() {
        float[][] t = new float[12][2];
        for (int i = 0; i < 12; i++) {
            t[i][i < 6 ? 0 : 1] = 1;
        }
        int[] f = CrossValidation.folds(Task.SINGLE_LABEL, t, 3, 7);
        assertArrayEquals(f, CrossValidation.folds(Task.SINGLE_LABEL, t, 3, 7));
        for (int k = 0; k < 3; k++) {
            int a = 0;
            int b = 0;
            for (int i = 0; i < 12; i++) {
                if (f[i] == k) {
                    a += i < 6 ? 1 : 0;
                    b += i < 6 ? 0 : 1;
                }
            }
            assertEquals(2, a);
            assertEquals(2, b);
        }
    }

    @Test
    void theEpochIsTheLatestWithinOneStandardErrorOfTheBestMean() {
        // three folds; the mean peaks at epoch 2 (0-based 1): 0.8; standard error at the peak: the folds 0.7, 0.8, 0.9
        // give sd 0.1, se 0.0577, so the floor is 0.7423: epoch 3 (0.75) is within it, epoch 4 (0.7) is not
        double[][] curves = {
            {0.5, 0.7, 0.7, 0.7, 0.7},
            {0.5, 0.8, 0.8, 0.7, 0.7},
            {0.5, 0.9, 0.75, 0.7, 0.7},
        };
        assertEquals(2, CrossValidation.chooseEpoch(curves));
        // folds that agree exactly (se 0) keep the first best epoch
        assertEquals(1, CrossValidation.chooseEpoch(new double[][] {{0.5, 0.9, 0.8}, {0.5, 0.9, 0.8}}));
        // a flat curve after the peak keeps the last epoch
        assertEquals(3, CrossValidation.chooseEpoch(new double[][] {{0.5, 0.9, 0.9, 0.9}, {0.5, 0.7, 0.7, 0.7}}));
    }

    @Test
    void theSimplestCandidateWithinOneStandardErrorOfTheBestWins() {
        HeadSearch.Candidate linear = new HeadSearch.Candidate("linear", new int[0], 0, Optimizer.SGD, 1e-2, 0, 0);
        HeadSearch.Candidate hidden = new HeadSearch.Candidate("hidden", new int[] {128}, 0.2, Optimizer.ADAM, 1e-3, 0,
                0);
        // the best (hidden, 0.90) has folds 0.85 and 0.95: sd 0.0707, se 0.05, so linear at 0.87 is within one
        // standard error and wins as the simpler head
        HeadSearch.Scored h = new HeadSearch.Scored(hidden, 0.90, new double[] {0.85, 0.95}, 15, 1);
        HeadSearch.Scored l = new HeadSearch.Scored(linear, 0.87, new double[] {0.86, 0.88}, 100, 1);
        assertSame(l, CrossValidation.chooseCandidate(List.of(h, l)));
        // folds that agree (se 0) leave only the best
        HeadSearch.Scored sure = new HeadSearch.Scored(hidden, 0.90, new double[] {0.90, 0.90}, 15, 1);
        assertSame(sure, CrossValidation.chooseCandidate(List.of(sure, l)));
    }
}
