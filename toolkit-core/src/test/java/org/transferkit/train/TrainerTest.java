package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.DatasetException;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.task.EvaluationReport;
import org.transferkit.task.Task;
import org.transferkit.eval.Evaluator;

import org.transferkit.model.EpochStats;
class TrainerTest {
    @TempDir
    Path tmp;

    private static FineTune settings() {
        return FineTune.builder().epochs(8).batchSize(8).learningRate(0.01).seed(5).build();
    }

    @Test
    void learnsAnEasyTaskAndReportsEveryEpoch() throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp, 20, 1, "red", "blue")),
                0.25, 0.25, 3);
        List<EpochStats> epochs = new ArrayList<>();
        TinyBackbone bb = new TinyBackbone(3);
        TrainingResult r = Trainer.fit(bb, split, settings(), TrainingListener.onEpoch(epochs::add));
        assertEquals(8, epochs.size());
        assertEquals(epochs, r.history());
        assertTrue(r.bestEpoch() >= 1 && r.bestEpoch() <= 8);
        assertEquals(20, r.trainImages());
        try (ImagePipeline test = ImagePipeline.builder(split.test()).shape(bb.inputShape())
                .preprocessing(bb.preprocessing()).build()) {
            EvaluationReport rep = (EvaluationReport) Evaluator.evaluate(r.graph(), test, Task.SINGLE_LABEL, 0.5);
            assertEquals(10, rep.total());
            assertTrue(rep.accuracy() >= 0.9, "accuracy " + rep.accuracy());
        }
        // the full graph holds the best epoch's head: its val accuracy is the best recorded
        double bestVal = epochs.stream().mapToDouble(EpochStats::valMetric).max().orElseThrow();
        assertEquals(bestVal, r.history().get(r.bestEpoch() - 1).valMetric());
    }

    @Test
    void sameSeedSameResult() throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp, 10, 2, "red", "blue")),
                0.2, 0.2, 3);
        TrainingResult a = Trainer.fit(new TinyBackbone(3), split, settings(), TrainingListener.NONE);
        TrainingResult b = Trainer.fit(new TinyBackbone(3), split, settings(), TrainingListener.NONE);
        assertEquals(a.history().stream().map(EpochStats::trainLoss).toList(),
                b.history().stream().map(EpochStats::trainLoss).toList());
        INDArray pa = a.graph().params();
        INDArray pb = b.graph().params();
        assertArrayEquals(pa.toFloatVector(), pb.toFloatVector());
    }

    @Test
    void nothingDecodableFailsBeforeTrainingAndNamesTheFiles() throws Exception {
        for (String c : List.of("a", "b")) {
            Files.createDirectories(tmp.resolve(c));
            for (int i = 0; i < 3; i++) {
                Files.writeString(tmp.resolve(c + "/broken" + i + ".jpg"), "not a jpeg");
            }
        }
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(tmp), 0.0, 0.0, 1);
        DatasetException e = assertThrows(DatasetException.class,
                () -> Trainer.fit(new TinyBackbone(1), split, settings(), TrainingListener.NONE));
        assertTrue(e.getMessage().contains("only 0 of the classes") && e.getMessage().contains("broken0.jpg"),
                e.getMessage());
    }

    @Test
    void oneClassIsRefused() throws Exception {
        ImageDataset one = ImageDataset.fromFolder(TestImages.folder(tmp, 4, 1, "red"));
        DatasetSplit split = new DatasetSplit(one, one.withImages(List.of()), one.withImages(List.of()));
        DatasetException e = assertThrows(DatasetException.class,
                () -> Trainer.fit(new TinyBackbone(1), split, settings(), TrainingListener.NONE));
        assertTrue(e.getMessage().contains("1 class(es) [red]"), e.getMessage());
    }

    @Test
    void earlyStoppingWeightDecayAndLabelSmoothing() throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp, 10, 4, "red", "blue")),
                0.3, 0, 3);
        FineTune s = FineTune.builder().epochs(40).batchSize(4).learningRate(0.01).seed(2).patience(2)
                .weightDecay(1e-3).labelSmoothing(0.1).build();
        TrainingResult r = Trainer.fit(new TinyBackbone(2), split, s, TrainingListener.NONE);
        assertTrue(r.history().size() < 40, "stopped early after " + r.history().size() + " epochs");
        assertEquals(r.bestEpoch() + 2, r.history().size(), "exactly `patience` epochs after the best one");
        assertThrows(IllegalArgumentException.class, () -> FineTune.builder().labelSmoothing(1.0));
        assertThrows(IllegalArgumentException.class, () -> FineTune.builder().weightDecay(-1));
        assertThrows(IllegalArgumentException.class, () -> FineTune.builder().patience(-1));
    }

    @Test
    void settingsRefuseBadValuesWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FineTune.builder().epochs(0));
        assertTrue(e.getMessage().contains("got 0"));
        e = assertThrows(IllegalArgumentException.class, () -> Optimizer.parse("adagrad"));
        assertTrue(e.getMessage().contains("[sgd, adam, rmsprop]"), e.getMessage());
    }
}
