package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossKLD;
import org.transferkit.engine.EngineMode;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;
import org.transferkit.model.EpochStats;
import org.transferkit.task.Loss;
import org.transferkit.task.Task;

/**
 * Heads on cached features trained on the engine's training path ({@link HeadPhase} with an engine mode) against the
 * same heads trained by DL4J's {@code fit}, the reference: the same losses and weights within float tolerance for
 * single-label, class-weighted, multi-label and regression heads, and the head search's choices unchanged; a head the
 * path does not cover trains on DL4J and says why.
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

    /**
     * @return the same features as {@link #classes} with two targets per example: 0/1 labels (multi-label) or numbers
     *     (regression)
     */
    static DataSet otherTargets(DataSet classes, boolean numbers, long seed) {
        Random rnd = new Random(seed);
        float[][] x = classes.getFeatures().toFloatMatrix();
        float[][] y = new float[x.length][2];
        for (int i = 0; i < x.length; i++) {
            double a = x[i][0] - x[i][1] + 0.5 * rnd.nextGaussian();
            double b = x[i][2] + 0.5 * x[i][4] + 0.5 * rnd.nextGaussian();
            y[i][0] = numbers ? (float) a : a > 0 ? 1 : 0;
            y[i][1] = numbers ? (float) b : b > 0.3 ? 1 : 0;
        }
        return new DataSet(classes.getFeatures(), Nd4j.create(y));
    }

    /** Trains a head of the candidate's kind for a few epochs, on the engine or on DL4J; returns history and weights. */
    private static Object[] train(HeadSearch.Candidate c, DataSet fitOn, DataSet val, EngineMode engine) throws Exception {
        return train(c, HeadSpec.builder().build(), null, fitOn, val, engine);
    }

    /** As {@link #train(HeadSearch.Candidate, DataSet, DataSet, EngineMode)} for any head and class weights. */
    private static Object[] train(HeadSearch.Candidate c, HeadSpec spec, double[] classWeights, DataSet fitOn,
            DataSet val, EngineMode engine) throws Exception {
        FineTune s = c.apply(FineTune.builder().head(spec).batchSize(8).build(), 6);
        Nd4j.getRandom().setSeed(SEED);
        ComputationGraph head = TransferModel.headOnly(s.head(), new long[] {8}, (int) fitOn.getLabels().size(1),
                s.optimizer().updater(s.learningRate()), SEED, s.weightDecay(), classWeights);
        return train(head, s, fitOn, val, engine);
    }

    /** Trains {@code head} with the settings' task, loss and learning rate for 6 epochs; closes it. */
    private static Object[] train(ComputationGraph head, FineTune s, DataSet fitOn, DataSet val, EngineMode engine)
            throws Exception {
        Task task = s.head().task();
        try (HeadPhase phase = new HeadPhase(head, fitOn, fitOn, val, task, s.head().loss(), 8, SEED, false, engine)) {
            double lr = s.learningRate();
            EpochLoop.Outcome o = EpochLoop.run(phase, new EpochLoop.Plan(1, 6, e -> lr, lr, 0, List.of(),
                    Double.NEGATIVE_INFINITY, 0), task, SEED, null, false, TrainingListener.NONE);
            return new Object[] {o.history(), head.params().toFloatVector(), phase.trainingPath()};
        } finally {
            head.close();
        }
    }

    /** Asserts the same losses and metrics per epoch (metrics within {@code metricTol}) and the same weights. */
    private static void sameTraining(Object[] dl4j, Object[] engine, double metricTol, String what) {
        @SuppressWarnings("unchecked")
        List<EpochStats> a = (List<EpochStats>) dl4j[0];
        @SuppressWarnings("unchecked")
        List<EpochStats> b = (List<EpochStats>) engine[0];
        assertEquals(a.size(), b.size());
        for (int e = 0; e < a.size(); e++) {
            assertEquals(a.get(e).trainLoss(), b.get(e).trainLoss(), 2e-4 * Math.max(1, a.get(e).trainLoss()),
                    what + " epoch " + (e + 1));
            assertEquals(a.get(e).valLoss(), b.get(e).valLoss(), 2e-4 * Math.max(1, a.get(e).valLoss()),
                    what + " epoch " + (e + 1));
            assertEquals(a.get(e).trainMetric(), b.get(e).trainMetric(), metricTol, what);
            assertEquals(a.get(e).valMetric(), b.get(e).valMetric(), metricTol, what);
        }
        float[] wa = (float[]) dl4j[1];
        float[] wb = (float[]) engine[1];
        assertEquals(wa.length, wb.length);
        for (int i = 0; i < wa.length; i++) {
            assertEquals(wa[i], wb[i], 2e-4, what + " parameter " + i);
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
            sameTraining(dl4j, engine, 1e-9, c.name());
        }
    }

    /**
     * Multi-label (sigmoid, binary cross-entropy), regression (MSE, MAE) and class-weighted heads: three quick
     * candidates each (linear with dropout on SGD, linear on Adam, a hidden layer with dropout on Adam).
     */
    @Test
    void multiLabelRegressionAndClassWeightedHeadsTrainOnTheEngineAsOnDl4j() throws Exception {
        DataSet fitOn = classes(44, 1);
        DataSet val = classes(13, 2);
        Object[][] cases = {
            {HeadSpec.builder().task(Task.MULTI_LABEL).build(), null, otherTargets(fitOn, false, 5),
                otherTargets(val, false, 6)},
            {HeadSpec.builder().task(Task.REGRESSION).build(), null, otherTargets(fitOn, true, 7),
                otherTargets(val, true, 8)},
            {HeadSpec.builder().task(Task.REGRESSION).loss(Loss.MAE).build(), null, otherTargets(fitOn, true, 9),
                otherTargets(val, true, 10)},
            {HeadSpec.builder().build(), new double[] {1, 2.5, 0.5}, fitOn, val}};
        for (Object[] k : cases) {
            HeadSpec spec = (HeadSpec) k[0];
            List<HeadSearch.Candidate> all = HeadSearch.quick().candidates(spec.task());
            for (HeadSearch.Candidate c : List.of(all.get(0), all.get(1), all.get(3))) { // SGD, Adam; hidden, dropout
                String what = spec.task().id() + " " + spec.loss().id() + (k[1] != null ? " weighted " : " ") + c.name();
                Object[] dl4j = train(c, spec, (double[]) k[1], (DataSet) k[2], (DataSet) k[3], null);
                Object[] engine = train(c, spec, (double[]) k[1], (DataSet) k[2], (DataSet) k[3], EngineMode.AUTO);
                assertEquals("engine", engine[2], what);
                sameTraining(dl4j, engine, spec.task() == Task.REGRESSION ? 1e-4 : 1e-9, what);
            }
        }
    }

    /** A head whose loss the path does not cover (KL divergence) trains on DL4J, says why, and trains as DL4J does. */
    @Test
    void aHeadThePathDoesNotCoverTrainsOnDl4jAndSaysWhy() throws Exception {
        DataSet fitOn = classes(30, 4);
        FineTune s = HeadSearch.quick().candidates(Task.SINGLE_LABEL).get(1).apply(FineTune.builder().batchSize(8)
                .build(), 6);
        Object[] dl4j = train(klHead(s), s, fitOn, fitOn, null);
        Object[] engine = train(klHead(s), s, fitOn, fitOn, EngineMode.AUTO);
        String why = (String) engine[2];
        assertTrue(why.startsWith("dl4j: vertex '") && why.contains("LossKLD") && why.contains("does not train on the engine"),
                why);
        sameTraining(dl4j, engine, 0, "KL divergence head");
    }

    private static ComputationGraph klHead(FineTune s) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(SEED)
                .updater(s.optimizer().updater(s.learningRate())).graphBuilder().addInputs("features")
                .addLayer("out", new OutputLayer.Builder(new LossKLD()).nIn(8).nOut(3).activation(Activation.SOFTMAX)
                        .build(), "features")
                .setOutputs("out").build());
        g.init();
        return g;
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
    void multiLabelRegressionAndClassWeightedSearchesTrainTheirFoldsOnTheEngine() throws Exception {
        DataSet data = classes(30, 4);
        HeadSearch search = HeadSearch.quick().withFolds(2).withMaxEpochs(2);
        FineTune multi = FineTune.builder().head(HeadSpec.builder().task(Task.MULTI_LABEL).build()).batchSize(8).build();
        HeadSearch.Result r = CrossValidation.run(search, multi, otherTargets(data, false, 11), Task.MULTI_LABEL, 2,
                new long[] {8}, null, EngineMode.AUTO);
        assertTrue(r.ran() && r.why().endsWith("folds trained on the engine (oneDNN)"), r.why());
        FineTune regression = FineTune.builder().head(HeadSpec.builder().task(Task.REGRESSION).build()).batchSize(8)
                .build();
        r = CrossValidation.run(search, regression, otherTargets(data, true, 12), Task.REGRESSION, 2, new long[] {8}, null,
                EngineMode.AUTO);
        assertTrue(r.ran() && r.why().endsWith("folds trained on the engine (oneDNN)"), r.why());
        FineTune single = FineTune.builder().batchSize(8).build();
        r = CrossValidation.run(search, single, data, Task.SINGLE_LABEL, 3, new long[] {8}, new double[] {1, 2, 1},
                EngineMode.AUTO);
        assertTrue(r.ran() && r.why().endsWith("folds trained on the engine (oneDNN)"), r.why());
    }
}
