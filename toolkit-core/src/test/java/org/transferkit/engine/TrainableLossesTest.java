package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
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
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossKLD;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.transferkit.model.InputShape;

/**
 * The output layers {@link Losses} computes, against DL4J's backprop and fit: multi-label (sigmoid with binary
 * cross-entropy, also weighted, with saturated outputs clipped as DL4J clips them), regression (identity with MSE, L2
 * and MAE, also weighted) and class-weighted softmax cross-entropy: one batch's gradients and loss, and six steps'
 * losses, parameters and updater state ({@link TrainingComparisons}).
 */
class TrainableLossesTest {
    private static final InputShape IN = new InputShape(3, 8, 8);
    private static final int OUTPUTS = 3;

    /** A convolution, max pooling, a dense layer and the output layer under test. */
    private static ComputationGraph net(Activation act, ILossFunction loss, IUpdater updater) {
        var b = new NeuralNetConfiguration.Builder().seed(5).updater(updater).weightInit(WeightInit.RELU)
                .activation(Activation.RELU).convolutionMode(ConvolutionMode.Truncate).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "c1")
                .addLayer("d1", new DenseLayer.Builder().nOut(6).build(), "p1")
                .addLayer("out", new OutputLayer.Builder(loss).nOut(OUTPUTS).activation(act)
                        .weightInit(WeightInit.XAVIER).build(), "d1")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    private static INDArray images(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 3, 8, 8).subi(0.5).muli(2);
    }

    /** @return n rows of independent 0/1 labels */
    private static INDArray multiLabel(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, OUTPUTS);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < OUTPUTS; j++) {
                y.putScalar(i, j, r.nextBoolean() ? 1 : 0);
            }
        }
        return y;
    }

    /** @return n rows of real-valued targets */
    private static INDArray numbers(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, OUTPUTS);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < OUTPUTS; j++) {
                y.putScalar(i, j, r.nextGaussian() * 2);
            }
        }
        return y;
    }

    private static INDArray weights() {
        return Nd4j.createFromArray(1f, 2.5f, 0.5f).reshape(1, OUTPUTS);
    }

    private static void sameGradients(Activation act, ILossFunction loss, INDArray y) {
        TrainingComparisons.sameGradients(net(act, loss, new Adam(1e-3)), images(5, 21), y, IN);
    }

    private static void sameRun(Activation act, ILossFunction loss, java.util.function.BiFunction<Integer, Long,
            INDArray> targets) {
        TrainingComparisons.sameRun(net(act, loss, new Nesterovs(2e-2, 0.9)), net(act, loss, new Nesterovs(2e-2, 0.9)),
                IN, TrainableLossesTest::images, targets, 300);
    }

    @Test
    void multiLabelGradientsAndRunMatchDl4j() {
        sameGradients(Activation.SIGMOID, new LossBinaryXENT(), multiLabel(5, 1));
        sameGradients(Activation.SIGMOID, new LossBinaryXENT(weights()), multiLabel(5, 2));
        sameRun(Activation.SIGMOID, new LossBinaryXENT(), TrainableLossesTest::multiLabel);
    }

    /**
     * Outputs far beyond the clipping range: DL4J's gradient there is {@code (a - y) / (a (1 - a))} of the clipped
     * output through the unclipped sigmoid's derivative, not {@code s - y}.
     */
    @Test
    void saturatedSigmoidOutputsAreClippedAsDl4jClipsThem() {
        ComputationGraph g = net(Activation.SIGMOID, new LossBinaryXENT(), new Adam(1e-3));
        g.getParam("out_b").assign(Nd4j.createFromArray(14f, -20f, 0f).reshape(1, OUTPUTS));
        TrainingComparisons.sameGradients(g, images(5, 22), multiLabel(5, 3), IN);
    }

    @Test
    void regressionGradientsAndRunsMatchDl4j() {
        sameGradients(Activation.IDENTITY, new LossMSE(), numbers(5, 4));
        sameGradients(Activation.IDENTITY, new LossMSE(weights()), numbers(5, 5));
        sameGradients(Activation.IDENTITY, new LossL2(), numbers(5, 6));
        sameGradients(Activation.IDENTITY, new LossMAE(), numbers(5, 7));
        sameRun(Activation.IDENTITY, new LossMSE(), TrainableLossesTest::numbers);
        sameRun(Activation.IDENTITY, new LossMAE(weights()), TrainableLossesTest::numbers);
    }

    @Test
    void classWeightedCrossEntropyGradientsAndRunMatchDl4j() {
        sameGradients(Activation.SOFTMAX, new LossMCXENT(weights()), TrainingComparisons.labels(5));
        // smoothed labels: the weighted gradient is p * sum(y w) - y w, not (p - y) w
        sameGradients(Activation.SOFTMAX, new LossMCXENT(weights()), TrainingComparisons.labels(5).muli(0.8).addi(0.2 / 3));
        sameRun(Activation.SOFTMAX, new LossMCXENT(weights()), (n, s) -> TrainingComparisons.labels(n));
    }

    @Test
    void outputsAreTheOutputLayersActivations() {
        for (Activation act : new Activation[] {Activation.SIGMOID, Activation.IDENTITY}) {
            ComputationGraph g = net(act, act == Activation.SIGMOID ? new LossBinaryXENT() : new LossMSE(), new Adam(1e-3));
            INDArray x = images(4, 23);
            float[] want = g.outputSingle(false, x).dup('c').data().asFloat();
            try (TrainableGraph t = TrainableGraph.compile(g, IN, EngineMode.ONEDNN)) {
                TrainingComparisons.assertClose(want, t.output(x).data().asFloat(), 1e-5, act + " outputs");
                float[] flat = x.dup('c').data().asFloat();
                assertArrayEquals(t.output(x).data().asFloat(), t.output(flat, 4), 0f, act + " plain-array outputs");
            }
        }
    }

    @Test
    void otherPairingsAreRefusedWithTheReason() {
        ComputationGraph kld = net(Activation.SOFTMAX, new LossKLD(), new Adam(1e-3));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> TrainableGraph.compile(kld, IN, EngineMode.ONEDNN));
        assertTrue(e.getMessage().contains("vertex 'out'") && e.getMessage().contains("LossKLD"), e.getMessage());
        ComputationGraph sigmoidMse = net(Activation.SIGMOID, new LossMSE(), new Adam(1e-3));
        e = assertThrows(UnsupportedOperationException.class,
                () -> TrainableGraph.compile(sigmoidMse, IN, EngineMode.ONEDNN));
        assertTrue(e.getMessage().contains("does not train on the engine"), e.getMessage());
    }
}
