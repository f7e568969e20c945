package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Activations other than ReLU on the oneDNN training path, against DL4J's backprop and fit: each of sigmoid, tanh,
 * leaky ReLU and ELU fused into a convolution, applied by a batch normalization, as its own activation layer and on a
 * dense layer (DL4J's zoo Xception, untrained, has sigmoid on every convolution and batch normalization). An
 * activation whose gradient needs its input (ReLU6, swish) is refused with the reason, and training falls back.
 */
class TrainableActivationsTest {

    static ComputationGraph net(Activation act) {
        var b = new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER)
                .activation(act).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(9, 9, 3))
                .addLayer("c0", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).hasBias(false).build(), "c0")
                .addLayer("c1_bn", new BatchNormalization.Builder().build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.IDENTITY).build(), "c1_bn")
                .addLayer("c2_act", new ActivationLayer.Builder().activation(act).build(), "c2")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c2_act")
                .addLayer("d", new DenseLayer.Builder().nOut(5).build(), "gap")
                .addLayer("out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"SIGMOID", "TANH", "LEAKYRELU", "ELU"})
    void gradientsAndRunsMatchDl4j(Activation act) {
        TrainingComparisons.sameGradients(net(act), TrainableDepthwiseTest.images(5, 8), TrainableDepthwiseTest.IN);
        TrainableDepthwiseTest.sameRun(net(act), net(act));
    }

    @Test
    void anActivationWhoseGradientNeedsItsInputIsRefusedWithTheReason() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> {
            try (TrainableGraph t = TrainableGraph.compile(net(Activation.SWISH), TrainableDepthwiseTest.IN,
                    EngineMode.ONEDNN)) {
                t.fit(TrainableDepthwiseTest.images(4, 1), TrainingComparisons.labels(4));
            }
        });
        assertTrue(e.getMessage().contains("sigmoid, tanh and ELU do"), e.getMessage());
    }
}
