package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.TestImages;
import org.transferkit.backbone.ConvNet;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.NativeMemoryExhaustion;
import org.transferkit.head.TransferModel;
import org.transferkit.model.EpochStats;
import org.transferkit.model.InputShape;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.task.Task;

/**
 * When the engine's training plan cannot get its native memory (JavaCPP's {@link OutOfMemoryError}, made to happen at
 * chosen batch sizes by {@link NativeMemoryExhaustion}), training goes on on DL4J: the listener hears why, what the
 * engine trained before is kept, and the run ends as a DL4J-only run does (within float tolerance; exactly where the
 * engine had not trained a step yet). Both paths: end-to-end epochs ({@link PipelinePhase}, from scratch here) and
 * heads on cached features ({@link HeadPhase}, the head search's folds).
 */
class NativeMemoryFallbackTest {
    private static final String REASON = "dl4j: the engine's training plan for batch %d needs more native memory than "
            + "allowed (Cannot allocate new BytePointer(";

    @TempDir
    Path tmp;

    /** The plan for the training batch size fails at the first step: all of it trains on DL4J, as DL4J alone does. */
    @Test
    void fromScratchFallsBackAtTheFirstStep() throws Exception {
        fromScratch(7, 7, 1e-6);
    }

    /** Only the last, smaller batch's plan fails: the engine's steps of the first epoch are kept, DL4J goes on. */
    @Test
    void fromScratchFallsBackMidEpochKeepingWhatTheEngineTrained() throws Exception {
        fromScratch(8, -1, 1e-4);
    }

    /**
     * @param batch the batch size
     * @param failing the batch size whose plan fails; -1 for the last batch's
     * @param tol relative tolerance of the training losses against the DL4J-only run
     */
    private void fromScratch(int batch, int failing, double tol) throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp.resolve("img"), 16, 1,
                "red", "blue", "green")), 0.25, 0.0, 3);
        int last = split.train().size() % batch;
        assertTrue(failing > 0 || last > 1, "a last batch of its own size, not the compiled plan's 1");
        int fails = failing > 0 ? failing : last;
        FineTune settings = FineTune.builder().epochs(3).batchSize(batch).learningRate(0.01).optimizer(Optimizer.ADAM)
                .seed(5).head(org.transferkit.head.HeadSpec.linear()).build();
        TrainingResult dl4j = fromScratch(split, settings, EngineMode.DL4J, new ArrayList<>());
        List<String> paths = new ArrayList<>();
        TrainingResult fellBack;
        try (NativeMemoryExhaustion x = NativeMemoryExhaustion.at(b -> b == fails)) {
            fellBack = fromScratch(split, settings, EngineMode.ONEDNN, paths);
        }
        assertEquals(2, paths.size(), paths.toString());
        assertEquals("engine", paths.get(0));
        assertTrue(paths.get(1).startsWith(String.format(REASON, fails))
                && paths.get(1).endsWith("raise -Xmx or lower the batch size"), paths.get(1));
        sameHistory(dl4j.history(), fellBack.history(), tol, 1e-4);
        assertTrue(dl4j.graph().params().equalsWithEps(fellBack.graph().params(), failing > 0 ? 1e-6 : 1e-3));
    }

    private static TrainingResult fromScratch(DatasetSplit split, FineTune settings, EngineMode mode, List<String> paths)
            throws Exception {
        ConvNet net = ConvNet.builder(new InputShape(3, 16, 16)).seed(3).conv2d(8, 3).maxPool(2).conv2d(8, 3).flatten()
                .dense(16).build();
        RunEnvironment env = new RunEnvironment(RuntimeOptions.builder().engine(mode).build(), null, null, false, 2);
        return EndToEnd.fromScratch(net, split, settings, env, new TrainingListener() {
            @Override
            public void onTrainingPath(String path) {
                paths.add(path);
            }
        });
    }

    private static void sameHistory(List<EpochStats> a, List<EpochStats> b, double trainTol, double valTol) {
        assertEquals(a.size(), b.size());
        for (int e = 0; e < a.size(); e++) {
            String what = "epoch " + (e + 1);
            assertEquals(a.get(e).trainLoss(), b.get(e).trainLoss(), trainTol * (1 + a.get(e).trainLoss()), what);
            assertEquals(a.get(e).trainMetric(), b.get(e).trainMetric(), 1e-9, what);
            assertEquals(a.get(e).valLoss(), b.get(e).valLoss(), valTol * (1 + a.get(e).valLoss()), what);
            assertEquals(a.get(e).valMetric(), b.get(e).valMetric(), 1e-9, what);
        }
    }

    /**
     * A head: the plan for its batches fails (all on DL4J, exactly as DL4J alone), the last batch's (the engine's
     * first steps kept), the whole held-out set's (its outputs, then the rest, on DL4J); each time the listener and
     * {@link HeadPhase#trainingPath()} say why.
     */
    @Test
    void headsFallBackWithTheReasonAndTrainAsDl4jDoes() throws Exception {
        DataSet fitOn = HeadOnEngineTest.classes(44, 1); // batches of 8, the last of 4
        DataSet val = HeadOnEngineTest.classes(13, 2);
        Object[] dl4j = head(fitOn, val, null, b -> false);
        int[][] cases = {{8, 0}, {4, 1}, {13, 1}};
        for (int[] c : cases) {
            Object[] fellBack = head(fitOn, val, EngineMode.AUTO, b -> b == c[0]);
            String why = String.format(REASON, c[0]);
            assertTrue(fellBack[2].toString().startsWith(why), fellBack[2].toString());
            assertEquals(List.of("engine", fellBack[2]), fellBack[3]);
            @SuppressWarnings("unchecked")
            List<EpochStats> a = (List<EpochStats>) dl4j[0];
            @SuppressWarnings("unchecked")
            List<EpochStats> b = (List<EpochStats>) fellBack[0];
            double tol = c[1] == 0 ? 1e-9 : 2e-4;
            sameHistory(a, b, tol, tol);
            float[] wa = (float[]) dl4j[1];
            float[] wb = (float[]) fellBack[1];
            for (int i = 0; i < wa.length; i++) {
                assertEquals(wa[i], wb[i], c[1] == 0 ? 0 : 2e-4, "batch " + c[0] + " parameter " + i);
            }
        }
    }

    /** @return the history, the weights, the training path and the paths the listener heard */
    private static Object[] head(DataSet fitOn, DataSet val, EngineMode engine, IntPredicate failing)
            throws Exception {
        FineTune s = HeadSearch.quick().candidates(Task.SINGLE_LABEL).get(1).apply(FineTune.builder().batchSize(8)
                .build(), 4);
        Nd4j.getRandom().setSeed(42);
        ComputationGraph head = TransferModel.headOnly(s.head(), new long[] {8}, 3,
                s.optimizer().updater(s.learningRate()), 42, s.weightDecay(), null);
        List<String> paths = new ArrayList<>();
        try (NativeMemoryExhaustion x = NativeMemoryExhaustion.at(failing);
                HeadPhase phase = new HeadPhase(head, fitOn, fitOn, val, Task.SINGLE_LABEL, s.head().loss(), 8, 42,
                        false, engine)) {
            double lr = s.learningRate();
            EpochLoop.Outcome o = EpochLoop.run(phase, new EpochLoop.Plan(1, 4, e -> lr, lr, 0, List.of(),
                    Double.NEGATIVE_INFINITY, 0), Task.SINGLE_LABEL, 42, null, false, new TrainingListener() {
                        @Override
                        public void onTrainingPath(String path) {
                            paths.add(path);
                        }
                    });
            return new Object[] {o.history(), head.params().toFloatVector(), phase.trainingPath(), paths};
        } finally {
            head.close();
        }
    }

    /** The head search's folds: the search's why names the reason. */
    @Test
    void theSearchSaysItsFoldsFellBackAndWhy() throws Exception {
        HeadSearch search = HeadSearch.quick().withFolds(2).withMaxEpochs(2);
        HeadSearch.Result r;
        try (NativeMemoryExhaustion x = NativeMemoryExhaustion.at(b -> b == 8)) {
            r = CrossValidation.run(search, FineTune.builder().batchSize(8).build(), HeadOnEngineTest.classes(30, 4),
                    Task.SINGLE_LABEL, 3, new long[] {8}, null, EngineMode.AUTO);
        }
        assertTrue(r.ran(), r.why());
        assertTrue(r.why().contains("folds trained on DL4J (the engine's training plan for batch 8 needs more native "
                + "memory than allowed"), r.why());
    }
}
