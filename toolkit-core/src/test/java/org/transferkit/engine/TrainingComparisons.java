package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.BiFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.model.InputShape;

/**
 * What the training-path tests share: one-hot labels over three classes (or targets given), a relative closeness check
 * vs DL4J, one batch's gradients on the engine against DL4J's own backprop, and runs against DL4J's fit.
 */
final class TrainingComparisons {
    private TrainingComparisons() {
    }

    /** @return {@code n} one-hot rows over 3 classes, row i of class i mod 3 */
    static INDArray labels(int n) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return y;
    }

    /** Asserts every value within {@code tol * (1 + |want|)} of DL4J's, naming the first one that is not. */
    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": lengths");
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(want[i] - got[i]);
            assertTrue(err <= tol * (1 + Math.abs(want[i])), what + "[" + i + "]: DL4J " + want[i] + ", engine " + got[i]);
        }
    }

    /**
     * Asserts that one batch's gradients and loss on the engine match DL4J's backprop: the engine's gradients (batch
     * means) scaled back to DL4J's sums, within 2e-4 relative; a batch normalization's running statistics, which DL4J's
     * gradient array holds as an update rather than a gradient, are skipped.
     */
    static void sameGradients(ComputationGraph g, INDArray x, InputShape in) {
        sameGradients(g, x, labels((int) x.size(0)), in);
    }

    /** As {@link #sameGradients(ComputationGraph, INDArray, InputShape)} against the targets {@code y}. */
    static void sameGradients(ComputationGraph g, INDArray x, INDArray y, InputShape in) {
        int n = (int) x.size(0);
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        float[] want = g.gradient().gradient().castTo(DataType.FLOAT).toFloatVector();
        double score = g.score();
        try (TrainableGraph t = TrainableGraph.compile(g, in, EngineMode.ONEDNN)) {
            double loss = t.gradients(x, y).loss();
            float[] got = t.flatGradients();
            for (int i = 0; i < got.length; i++) {
                got[i] *= n;
            }
            for (var block : ((BaseMultiLayerUpdater<?>) g.getUpdater()).getUpdaterBlocks()) {
                for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
                    if (List.of("mean", "var", "log10stdev").contains(ps.getParamName())) {
                        int at = Updates.offset(g, ps);
                        for (int i = at; i < at + ps.getParamOffsetEnd() - ps.getParamOffsetStart(); i++) {
                            want[i] = 0;
                            got[i] = 0;
                        }
                    }
                }
            }
            assertClose(want, got, 2e-4, "gradient");
            assertEquals(score, loss, 1e-5, "loss");
        }
    }

    /**
     * Six steps on the engine against DL4J's fit, alternating batches of 6 and 4 (two plans): the same losses within
     * 2e-4 relative, then the same parameters, updater state (5e-4) and iteration count.
     *
     * @param images makes {@code n} inputs from a seed
     * @param seed the first step's seed
     */
    static void sameRun(ComputationGraph dl4j, ComputationGraph onEngine, InputShape in,
            BiFunction<Integer, Long, INDArray> images, long seed) {
        sameRun(dl4j, onEngine, in, images, (n, s) -> labels(n), seed);
    }

    /**
     * As {@link #sameRun(ComputationGraph, ComputationGraph, InputShape, BiFunction, long)} against the targets
     * {@code targets} makes for {@code n} examples and the step's seed.
     */
    static void sameRun(ComputationGraph dl4j, ComputationGraph onEngine, InputShape in,
            BiFunction<Integer, Long, INDArray> images, BiFunction<Integer, Long, INDArray> targets, long seed) {
        try (TrainableGraph t = TrainableGraph.compile(onEngine, in, EngineMode.ONEDNN)) {
            for (int step = 0; step < 6; step++) {
                INDArray x = images.apply(step % 2 == 0 ? 6 : 4, seed + step);
                INDArray y = targets.apply((int) x.size(0), seed + step);
                dl4j.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
                double loss = t.fit(x, y).loss();
                assertEquals(dl4j.score(), loss, 2e-4 * (1 + loss), "loss at step " + step);
            }
            t.store();
        }
        assertClose(dl4j.params().toFloatVector(), onEngine.params().toFloatVector(), 5e-4, "parameters");
        assertClose(dl4j.getUpdater().getStateViewArray().toFloatVector(),
                onEngine.getUpdater().getStateViewArray().toFloatVector(), 5e-4, "updater state");
        assertEquals(dl4j.getConfiguration().getIterationCount(), onEngine.getConfiguration().getIterationCount());
    }

    /**
     * Asserts that the engine's gradients match central finite differences (step 1e-2) of its own loss at about
     * {@code samples} evenly spaced parameters, within {@code 2e-3 + 5%}.
     */
    static void matchesFiniteDifferences(ComputationGraph g, INDArray x, InputShape in, int samples) {
        INDArray y = labels((int) x.size(0));
        try (TrainableGraph t = TrainableGraph.compile(g, in, EngineMode.ONEDNN)) {
            t.gradients(x, y);
            float[] grad = t.flatGradients();
            INDArray params = g.params();
            for (int i = 0; i < grad.length; i += Math.max(1, grad.length / samples)) {
                double w = params.getDouble(i);
                double h = 1e-2;
                params.putScalar(i, w + h);
                t.load();
                double up = t.gradients(x, y).loss();
                params.putScalar(i, w - h);
                t.load();
                double down = t.gradients(x, y).loss();
                params.putScalar(i, w);
                double fd = (up - down) / (2 * h);
                assertEquals(fd, grad[i], 2e-3 + 0.05 * Math.abs(fd), "parameter " + i);
            }
        }
    }
}
