package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.engine.EngineMode;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;
import org.transferkit.model.EpochStats;
import org.transferkit.task.Task;

/**
 * Heads on cached features trained on the engine's training path ({@link HeadPhase} with an engine mode) against the
 * same heads trained by DL4J's {@code fit}, the reference: the same losses and weights within float tolerance, and the
 * head search's choices unchanged; heads the path does not cover train on DL4J and say why.
 */
class HeadOnEngineTest {
    private static final long SEED = 42;

    /** @return n examples of 8 features in 3 classes (a noisy linear rule), one-hot targets */
    static DataSet classes(int n, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[n][8];
        float[][] y = new float[n][3];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 8; j++) {
                x[i][j] = (float) rnd.nextGaussian();
            }
            double a = x[i][0] + 0.5 * x[i][1] + 0.7 * rnd.nextGaussian();
            double b = x[i][2] - x[i][3] + 0.7 * rnd.nextGaussian();
            y[i][a > 0.5 ? 0 : b > 0 ? 1 : 2] = 1;
        }
        return new DataSet(Nd4j.create(x), Nd4j.create(y));
    }

    /** Trains a head of the candidate's kind for a few epochs, on the engine or on DL4J; returns history and weights. */
    private static Object[] train(HeadSearch.Candidate c, DataSet fitOn, DataSet val, EngineMode engine) throws Exception {
        FineTune s = c.apply(FineTune.builder().batchSize(8).build(), 6);
        Nd4j.getRandom().setSeed(SEED);
        ComputationGraph head = TransferModel.headOnly(s.head(), new long[] {8}, 3,
                s.optimizer().updater(s.learningRate()), SEED, s.weightDecay(), null);
        try (HeadPhase phase = new HeadPhase(head, fitOn, fitOn, val, Task.SINGLE_LABEL, s.head().loss(), 8, SEED, false,
                engine)) {
            double lr = s.learningRate();
            EpochLoop.Outcome o = EpochLoop.run(phase, new EpochLoop.Plan(1, 6, e -> lr, lr, 0, List.of(),
                    Double.NEGATIVE_INFINITY, 0), Task.SINGLE_LABEL, SEED, null, false, TrainingListener.NONE);
            return new Object[] {o.history(), head.params().toFloatVector(), phase.trainingPath()};
        } finally {
            head.close();
        }
    }

    @Test
    void headsTrainedOnTheEngineMatchDl4jLossesAndWeights() throws Exception {
        DataSet fitOn = classes(44, 1); // 5 full batches of 8 and a last one of 4
        DataSet val = classes(13, 2);
        HeadSearch quick = HeadSearch.quick();
        for (HeadSearch.Candidate c : quick.candidates(Task.SINGLE_LABEL)) {
            DataSet labels = c.labelSmoothing() > 0 ? new DataSet(fitOn.getFeatures(),
                    fitOn.getLabels().mul(1 - c.labelSmoothing()).addi(c.labelSmoothing() / 3)) : fitOn;
            Object[] dl4j = train(c, labels, val, null);
            Object[] engine = train(c, labels, val, EngineMode.AUTO);
            assertEquals("engine", engine[2], c.name());
            assertTrue(dl4j[2].toString().startsWith("dl4j"), c.name());
            @SuppressWarnings("unchecked")
            List<EpochStats> a = (List<EpochStats>) dl4j[0];
            @SuppressWarnings("unchecked")
            List<EpochStats> b = (List<EpochStats>) engine[0];
            assertEquals(a.size(), b.size());
            for (int e = 0; e < a.size(); e++) {
                assertEquals(a.get(e).trainLoss(), b.get(e).trainLoss(), 2e-4 * Math.max(1, a.get(e).trainLoss()),
                        c.name() + " epoch " + (e + 1));
                assertEquals(a.get(e).valLoss(), b.get(e).valLoss(), 2e-4 * Math.max(1, a.get(e).valLoss()),
                        c.name() + " epoch " + (e + 1));
                assertEquals(a.get(e).trainMetric(), b.get(e).trainMetric(), 1e-9, c.name());
                assertEquals(a.get(e).valMetric(), b.get(e).valMetric(), 1e-9, c.name());
            }
            float[] wa = (float[]) dl4j[1];
            float[] wb = (float[]) engine[1];
            assertEquals(wa.length, wb.length);
            for (int i = 0; i < wa.length; i++) {
                assertEquals(wa[i], wb[i], 2e-4, c.name() + " parameter " + i);
            }
        }
    }

    @Test
    void theSearchChoosesTheSameOnTheEngineAsOnDl4j() throws Exception {
        HeadSearch search = HeadSearch.quick().withFolds(3).withMaxEpochs(8);
        FineTune base = FineTune.builder().batchSize(8).build();
        DataSet data = classes(60, 3);
        HeadSearch.Result dl4j = CrossValidation.run(search, base, data, Task.SINGLE_LABEL, 3, new long[] {8}, null,
                null);
        HeadSearch.Result engine = CrossValidation.run(search, base, data, Task.SINGLE_LABEL, 3, new long[] {8}, null,
                EngineMode.AUTO);
        assertTrue(engine.why().endsWith("folds trained on the engine (oneDNN)"), engine.why());
        assertTrue(dl4j.why().contains("folds trained on DL4J (no engine mode given)"), dl4j.why());
        assertEquals(HeadSearchTest.scores(dl4j), HeadSearchTest.scores(engine));
        assertEquals(dl4j.chosen().candidate().name(), engine.chosen().candidate().name());
        assertEquals(dl4j.chosen().epochs(), engine.chosen().epochs());
        assertArrayEquals(dl4j.chosen().foldScores(), engine.chosen().foldScores());
        HeadSearch.Result off = CrossValidation.run(search.withMaxEpochs(1), base, data, Task.SINGLE_LABEL, 3,
                new long[] {8}, null, EngineMode.DL4J);
        assertTrue(off.why().contains("folds trained on DL4J (the engine is off)"), off.why());
    }

    @Test
    void headsThePathDoesNotCoverTrainOnDl4jAndSayWhy() throws Exception {
        DataSet data = classes(30, 4);
        FineTune base = FineTune.builder().head(HeadSpec.builder().task(Task.MULTI_LABEL).build()).batchSize(8).build();
        HeadSearch search = HeadSearch.quick().withFolds(2).withMaxEpochs(2);
        HeadSearch.Result r = CrossValidation.run(search, base, data, Task.MULTI_LABEL, 3, new long[] {8}, null,
                EngineMode.AUTO);
        assertTrue(r.ran(), r.why());
        assertTrue(r.why().contains("folds trained on DL4J (vertex"), r.why());
        assertTrue(r.why().contains("does not train on the engine"), r.why());
        // class weights: the path trains unweighted cross-entropy only
        FineTune single = FineTune.builder().batchSize(8).build();
        HeadSearch.Result weighted = CrossValidation.run(search, single, data, Task.SINGLE_LABEL, 3, new long[] {8},
                new double[] {1, 2, 1}, EngineMode.AUTO);
        assertTrue(weighted.why().contains("folds trained on DL4J (vertex"), weighted.why());
    }
}
