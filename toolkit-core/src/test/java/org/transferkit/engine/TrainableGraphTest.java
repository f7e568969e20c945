package org.transferkit.engine;

import static org.transferkit.engine.TrainingComparisons.assertClose;
import static org.transferkit.engine.TrainingComparisons.labels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.model.InputShape;

/**
 * The oneDNN training path against DL4J's own backprop and updaters, on tiny graphs: the from-scratch CNN's
 * operations (convolution + ReLU, max pooling, flatten, dense + ReLU, softmax output; decoupled weight decay) and a
 * SqueezeNet fire block as DL4J imports it from Keras (1x1 squeeze, 1x1 and padded 3x3 expands, merge, standalone
 * ReLU layers, average and global average pooling, L2 regularization).
 */
class TrainableGraphTest {
    private static final InputShape IN = new InputShape(3, 12, 12);

    /** The from-scratch CNN's kind of network. */
    static ComputationGraph cnn(IUpdater updater, double decay) {
        var b = new NeuralNetConfiguration.Builder().seed(3).updater(updater).weightInit(WeightInit.RELU)
                .activation(Activation.RELU).convolutionMode(ConvolutionMode.Truncate).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(12, 12, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(5).build(), "p1")
                .addLayer("d1", new DenseLayer.Builder().nOut(6).build(), "c2");
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER);
        if (decay > 0) {
            out.regularization(List.of(new WeightDecay(decay, true)));
        }
        ComputationGraph g = new ComputationGraph(b.addLayer("out", out.build(), "d1").setOutputs("out").build());
        g.init();
        return g;
    }

    /** A fire block as the Keras SqueezeNet DL4J imports has it: convolutions, then separate ReLU layers. */
    static ComputationGraph fire(IUpdater updater, double l2) {
        var b = new NeuralNetConfiguration.Builder().seed(4).updater(updater).weightInit(WeightInit.RELU).l2(l2)
                .activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Truncate).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(12, 12, 3))
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build(), "in")
                .addLayer("sq", new ConvolutionLayer.Builder(1, 1).nOut(4).build(), "pool")
                .addLayer("sq_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "sq")
                .addLayer("e1", new ConvolutionLayer.Builder(1, 1).nOut(5).build(), "sq_relu")
                .addLayer("e1_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "e1")
                .addLayer("e3", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(6).build(), "sq_relu")
                .addLayer("e3_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "e3")
                .addVertex("cat", new MergeVertex(), "e1_relu", "e3_relu")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "cat")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    private static INDArray images(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 3, 12, 12).subi(0.5).muli(2);
    }

    /** One batch's gradients against DL4J's backprop ({@link TrainingComparisons#sameGradients}). */
    private static void sameGradients(ComputationGraph g) {
        TrainingComparisons.sameGradients(g, images(5, 11), IN);
    }

    @Test
    void cnnGradientsMatchDl4jBackprop() {
        sameGradients(cnn(new Adam(1e-3), 0));
    }

    @Test
    void fireBlockGradientsMatchDl4jBackprop() {
        sameGradients(fire(new Adam(1e-3), 1e-2));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        TrainingComparisons.matchesFiniteDifferences(fire(new Adam(1e-3), 0), images(3, 12), IN, 25);
    }

    /** Steps on the engine against DL4J's fit ({@link TrainingComparisons#sameRun}). */
    private static void sameRun(ComputationGraph dl4j, ComputationGraph onEngine) {
        TrainingComparisons.sameRun(dl4j, onEngine, IN, (n, seed) -> images(n, seed), 100);
    }

    @Test
    void adamRunMatchesDl4j() {
        sameRun(cnn(new Adam(1e-2), 0), cnn(new Adam(1e-2), 0));
    }

    @Test
    void nesterovRunWithWeightDecayMatchesDl4j() {
        sameRun(cnn(new Nesterovs(1e-2, 0.9), 1e-2), cnn(new Nesterovs(1e-2, 0.9), 1e-2));
    }

    @Test
    void fireBlockNesterovRunMatchesDl4j() {
        sameRun(fire(new Nesterovs(1e-2, 0.9), 1e-2), fire(new Nesterovs(1e-2, 0.9), 1e-2));
    }

    /**
     * A checkpoint's state (parameters, updater state, iteration) put into a fresh graph continues the same run; so
     * does the graph after DL4J re-created its updater (setting the learning rate does).
     */
    @Test
    void aRestoredGraphContinuesTheSameRun() {
        ComputationGraph a = cnn(new Adam(1e-2), 0);
        ComputationGraph b = cnn(new Adam(1e-2), 0);
        try (TrainableGraph ta = TrainableGraph.compile(a, IN, EngineMode.ONEDNN)) {
            for (int step = 0; step < 3; step++) {
                ta.fit(images(6, 200 + step), labels(6));
            }
            ta.store();
            a.setLearningRate(1e-2); // as the epoch loop does each epoch: DL4J re-creates the updater over the same state
            ta.load();
            b.setParams(a.params().dup()); // as Checkpoints.State.restoreInto does
            b.getUpdater().getStateViewArray().assign(a.getUpdater().getStateViewArray());
            b.getConfiguration().setIterationCount(a.getConfiguration().getIterationCount());
            try (TrainableGraph tb = TrainableGraph.compile(b, IN, EngineMode.ONEDNN)) {
                for (int step = 3; step < 5; step++) {
                    double la = ta.fit(images(6, 200 + step), labels(6)).loss();
                    double lb = tb.fit(images(6, 200 + step), labels(6)).loss();
                    assertEquals(la, lb, 1e-6, "step " + step);
                }
                ta.store();
                tb.store();
            }
        }
        assertClose(a.params().toFloatVector(), b.params().toFloatVector(), 1e-6, "parameters");
    }

    /**
     * Native memory refused as JavaCPP refuses it past its limit: compiling says so (nothing left allocated), and a
     * step at a batch size whose plan cannot be allocated changes nothing, so the graph can go on (here, or on DL4J).
     */
    @Test
    void nativeMemoryRefusedChangesNothingAndSaysWhy() {
        ComputationGraph g = cnn(new Adam(1e-2), 0);
        try (NativeMemoryExhaustion x = NativeMemoryExhaustion.at(b -> b == 1)) {
            NativeMemoryExceeded e = assertThrows(NativeMemoryExceeded.class,
                    () -> TrainableGraph.compile(g, IN, EngineMode.ONEDNN));
            assertTrue(e.getMessage().startsWith("the engine's training plan for batch 1 needs more native memory than "
                    + "allowed (Cannot allocate new BytePointer(") && e.getMessage().endsWith("raise -Xmx or lower the "
                    + "batch size"), e.getMessage());
            assertTrue(e.getCause() instanceof OutOfMemoryError, String.valueOf(e.getCause()));
        }
        float[] before = g.params().toFloatVector();
        try (TrainableGraph t = TrainableGraph.compile(g, IN, EngineMode.ONEDNN);
                NativeMemoryExhaustion x = NativeMemoryExhaustion.at(b -> b == 6)) {
            NativeMemoryExceeded e = assertThrows(NativeMemoryExceeded.class, () -> t.fit(images(6, 300), labels(6)));
            assertTrue(e.getMessage().contains("training plan for batch 6"), e.getMessage());
            t.store();
            assertArrayEquals(before, g.params().toFloatVector(), 0f);
            assertEquals(0, g.getConfiguration().getIterationCount());
            t.fit(images(4, 301), labels(4)); // other plans still build
            t.store();
            assertEquals(1, g.getConfiguration().getIterationCount());
        }
    }

    @Test
    void refusesWhatItDoesNotCoverAndTheEngineOff() {
        ComputationGraph g = cnn(new Adam(1e-3), 0);
        assertThrows(UnsupportedOperationException.class, () -> TrainableGraph.compile(g, IN, EngineMode.DL4J));
        var b = new NeuralNetConfiguration.Builder().seed(3).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(12, 12, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).dropOut(0.5).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "c1")
                .setOutputs("out");
        ComputationGraph dropout = new ComputationGraph(b.build());
        dropout.init();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> TrainableGraph.compile(dropout, IN, EngineMode.ONEDNN));
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
    }
}
