package org.transferkit.engine;

import static org.transferkit.engine.TrainingComparisons.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.model.InputShape;

/**
 * Depthwise and separable convolutions on the oneDNN training path against DL4J's own backprop and updaters, on a
 * tiny MobileNet / Xception-style graph (and against finite differences): a depthwise convolution with a depth multiplier (DL4J's [kH, kW, channels,
 * multiplier] weights) in Same mode, one with stride 2 and padding in Truncate mode, a separable convolution (its
 * [multiplier, channels, kH, kW] depthwise and [nOut, channels * multiplier, 1, 1] pointwise weights, the layer's
 * bias on the pointwise part), ReLU, global pooling and a softmax output; Adam and RMSprop runs (RMSprop also with
 * weight decay); zero padding folded into a strided depthwise convolution (MobileNet's Keras form, inference and
 * training); Xception's entry-flow block (separable convolutions, training-mode batch normalization, Same-mode max
 * pooling, a strided projection added); a dilated depthwise convolution refused with the reason.
 */
class TrainableDepthwiseTest {
    static final InputShape IN = new InputShape(3, 9, 9);

    /** A 1x1 convolution, two depthwise convolutions and a separable one. */
    static ComputationGraph net(IUpdater updater, boolean depthwiseBias) {
        return net(updater, depthwiseBias, 0);
    }

    /** As {@link #net(IUpdater, boolean)}, with decoupled weight decay {@code decay} (applied with the learning rate). */
    static ComputationGraph net(IUpdater updater, boolean depthwiseBias, double decay) {
        var b = new NeuralNetConfiguration.Builder().seed(5).updater(updater).weightInit(WeightInit.RELU).weightDecay(decay)
                .activation(Activation.RELU).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(9, 9, 3))
                .addLayer("c0", new ConvolutionLayer.Builder(1, 1).nOut(3).convolutionMode(ConvolutionMode.Truncate)
                        .build(), "in")
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).hasBias(depthwiseBias)
                        .convolutionMode(ConvolutionMode.Same).build(), "c0")
                .addLayer("dw2", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(1).stride(2, 2).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).build(), "dw")
                .addLayer("sep", new SeparableConvolution2D.Builder(3, 3).depthMultiplier(2).nOut(5).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).build(), "dw2");
        return pooledSoftmax(b, "sep");
    }

    /** Ends {@code b} with global average pooling of {@code from} and a 3-way softmax output; built and initialized. */
    static ComputationGraph pooledSoftmax(ComputationGraphConfiguration.GraphBuilder b, String from) {
        b.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), from)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    static INDArray images(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 3, 9, 9).subi(0.5).muli(2);
    }

    /** One batch's gradients against DL4J's backprop ({@link TrainingComparisons#sameGradients}). */
    private static void sameGradients(ComputationGraph g) {
        TrainingComparisons.sameGradients(g, images(5, 21), IN);
    }

    /** Steps on the engine against DL4J's fit ({@link TrainingComparisons#sameRun}). */
    static void sameRun(ComputationGraph dl4j, ComputationGraph onEngine) {
        TrainingComparisons.sameRun(dl4j, onEngine, IN, (n, seed) -> images(n, seed), 300);
    }

    @Test
    void gradientsMatchDl4jBackprop() {
        sameGradients(net(new Adam(1e-3), true));
    }

    @Test
    void gradientsWithoutDepthwiseBiasMatchDl4jBackprop() {
        sameGradients(net(new Adam(1e-3), false));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        TrainingComparisons.matchesFiniteDifferences(net(new Adam(1e-3), true), images(3, 22), IN, 30);
    }

    @Test
    void lowersDepthwiseAsGroupedConvolutions() {
        try (TrainableGraph t = TrainableGraph.compile(net(new Adam(1e-3), true), IN, EngineMode.ONEDNN)) {
            List<String> ops = t.operations();
            assertTrue(ops.stream().anyMatch(o -> o.startsWith("dw CONV")), ops.toString());
            assertTrue(ops.stream().anyMatch(o -> o.startsWith("sep:depthwise CONV")), ops.toString());
        }
    }

    @Test
    void adamRunMatchesDl4j() {
        sameRun(net(new Adam(1e-2), true), net(new Adam(1e-2), true));
    }

    @Test
    void rmsPropRunMatchesDl4j() {
        sameRun(net(new RmsProp(1e-2, 0.9, 1e-6), true), net(new RmsProp(1e-2, 0.9, 1e-6), true));
    }

    @Test
    void rmsPropRunWithWeightDecayMatchesDl4j() {
        sameRun(net(new RmsProp(1e-2, 0.9, 1e-6), false, 1e-2), net(new RmsProp(1e-2, 0.9, 1e-6), false, 1e-2));
    }

    @Test
    void rmsPropRunWithWeightDecayAndDepthwiseBiasMatchesDl4j() {
        sameRun(net(new RmsProp(1e-2, 0.9, 1e-6), true, 1e-2), net(new RmsProp(1e-2, 0.9, 1e-6), true, 1e-2));
    }

    @Test
    void refusesDilatedDepthwiseConvolution() {
        var b = new NeuralNetConfiguration.Builder().seed(5).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(9, 9, 3))
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).dilation(2, 2).depthMultiplier(1)
                        .convolutionMode(ConvolutionMode.Truncate).build(), "in")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "dw")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> TrainableGraph.compile(g, IN, EngineMode.ONEDNN));
        assertTrue(e.getMessage().contains("dilated"), e.getMessage());
    }

    /** MobileNet's strided block as Keras has it: asymmetric zero padding, then a stride-2 unpadded depthwise one. */
    @Test
    void zeroPaddingBeforeADepthwiseConvolutionFoldsIn() {
        var b = new NeuralNetConfiguration.Builder().seed(6).updater(new Adam(1e-3)).weightInit(WeightInit.RELU)
                .activation(Activation.RELU).convolutionMode(ConvolutionMode.Truncate).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(9, 9, 3))
                .addLayer("c0", new ConvolutionLayer.Builder(1, 1).nOut(3).build(), "in")
                .addLayer("pad", new ZeroPaddingLayer.Builder(0, 1, 0, 1).build(), "c0")
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).stride(2, 2).depthMultiplier(2).build(), "pad");
        ComputationGraph g = pooledSoftmax(b, "dw");
        INDArray x = images(4, 31);
        try (CompiledGraph c = CompiledGraph.compile(g, "out", IN, EngineMode.ONEDNN)) {
            float[] want = g.outputSingle(x).dup('c').reshape(12).toFloatVector();
            assertClose(want, c.output(x).dup('c').reshape(12).toFloatVector(), 1e-5, "inference");
        }
        sameGradients(g);
    }

    /**
     * Xception's entry-flow block as DL4J's zoo builds it: two separable convolutions without bias, each with batch
     * normalization (ReLU between), a Same-mode max pooling, and a strided 1x1 projection with batch normalization
     * added to it.
     */
    static ComputationGraph xceptionBlock(IUpdater updater) {
        var b = new NeuralNetConfiguration.Builder().seed(7).updater(updater).weightInit(WeightInit.RELU)
                .activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(9, 9, 3))
                .addLayer("c0", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("res", new ConvolutionLayer.Builder(1, 1).stride(2, 2).nOut(6).hasBias(false).build(), "c0")
                .addLayer("res_bn", new BatchNormalization.Builder().build(), "res")
                .addLayer("sep1", new SeparableConvolution2D.Builder(3, 3).nOut(6).hasBias(false).build(), "c0")
                .addLayer("sep1_bn", new BatchNormalization.Builder().build(), "sep1")
                .addLayer("sep1_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "sep1_bn")
                .addLayer("sep2", new SeparableConvolution2D.Builder(3, 3).nOut(6).hasBias(false).build(), "sep1_relu")
                .addLayer("sep2_bn", new BatchNormalization.Builder().build(), "sep2")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2).build(),
                        "sep2_bn")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "pool", "res_bn");
        return pooledSoftmax(b, "add");
    }

    @Test
    void xceptionBlockGradientsMatchDl4jBackprop() {
        sameGradients(xceptionBlock(new Adam(1e-3)));
    }

    @Test
    void xceptionBlockAdamRunMatchesDl4j() {
        sameRun(xceptionBlock(new Adam(1e-2)), xceptionBlock(new Adam(1e-2)));
    }

    /**
     * Xception's middle-flow shape: the sum of a block feeds both the next block's ReLU layer and the next residual
     * add. Training, DL4J M2.1 activates a copy, so the add reads the sum itself (not activated); the training path
     * must do the same (inference, DL4J activates in place and the engine mirrors that). No convolution before a batch
     * normalization has a bias (as in Xception): its gradient is zero up to rounding, which Adam would amplify.
     */
    static ComputationGraph xceptionMiddle(IUpdater updater) {
        var b = new NeuralNetConfiguration.Builder().seed(11).updater(updater).weightInit(WeightInit.RELU)
                .activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(9, 9, 3))
                .addLayer("c0", new ConvolutionLayer.Builder(3, 3).nOut(4).hasBias(false).build(), "in")
                .addLayer("c0_bn", new BatchNormalization.Builder().build(), "c0")
                .addLayer("act1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "c0_bn")
                .addLayer("sep1", new SeparableConvolution2D.Builder(3, 3).nOut(4).hasBias(false).build(), "act1")
                .addLayer("sep1_bn", new BatchNormalization.Builder().build(), "sep1")
                .addVertex("add1", new ElementWiseVertex(ElementWiseVertex.Op.Add), "sep1_bn", "c0_bn")
                .addLayer("act2", new ActivationLayer.Builder().activation(Activation.RELU).build(), "add1")
                .addLayer("sep2", new SeparableConvolution2D.Builder(3, 3).nOut(4).hasBias(false).build(), "act2")
                .addLayer("sep2_bn", new BatchNormalization.Builder().build(), "sep2")
                .addVertex("add2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "sep2_bn", "add1");
        return pooledSoftmax(b, "add2");
    }

    @Test
    void aSumReadByAReluLayerAndTheNextAddTrainsAsDl4jTrains() {
        sameGradients(xceptionMiddle(new Adam(1e-3)));
        sameRun(xceptionMiddle(new Adam(1e-2)), xceptionMiddle(new Adam(1e-2)));
    }
}
