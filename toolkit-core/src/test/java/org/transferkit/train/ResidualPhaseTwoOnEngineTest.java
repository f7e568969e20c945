package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.TrainableGraph;

/**
 * Phase 2 of a residual, batch-normalized backbone as TransferKit runs it: frozen up to a block boundary, batch
 * normalization above it frozen as affine maps ({@link BatchNormFreezer}), cut there ({@link GraphCut}); the part
 * above (identity and projection residual blocks with frozen affine maps) trains on the engine exactly as DL4J's
 * own backprop trains it: same outputs, losses and parameters.
 */
class ResidualPhaseTwoOnEngineTest {
    private static ComputationGraph backbone() {
        var b = new NeuralNetConfiguration.Builder().seed(7).updater(new Nesterovs(1e-2, 0.9)).weightInit(WeightInit.RELU)
                .activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem")
                .addLayer("stem_relu", relu(), "stem_bn")
                .addLayer("a1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "stem_relu")
                .addLayer("a1_bn", new BatchNormalization.Builder().build(), "a1")
                .addVertex("a_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a1_bn", "stem_relu")
                .addLayer("a_relu", relu(), "a_add")
                .addLayer("b1", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(6).build(), "a_relu")
                .addLayer("b1_bn", new BatchNormalization.Builder().build(), "b1")
                .addLayer("b1_relu", relu(), "b1_bn")
                .addLayer("b2", new ConvolutionLayer.Builder(1, 1).nOut(6).build(), "b1_relu")
                .addLayer("b2_bn", new BatchNormalization.Builder().build(), "b2")
                .addLayer("bs", new ConvolutionLayer.Builder(1, 1).stride(2, 2).nOut(6).build(), "a_relu")
                .addLayer("bs_bn", new BatchNormalization.Builder().build(), "bs")
                .addVertex("b_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b2_bn", "bs_bn")
                .addLayer("b_relu", relu(), "b_add")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(6).build(), "b_relu")
                .addLayer("c1_bn", new BatchNormalization.Builder().build(), "c1")
                .addVertex("c_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "c1_bn", "b_relu")
                .addLayer("c_relu", relu(), "c_add")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c_relu")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        Nd4j.getRandom().setSeed(8); // "pretrained" statistics that differ from any mini-batch's
        for (String bn : new String[] {"stem_bn", "a1_bn", "b1_bn", "b2_bn", "bs_bn", "c1_bn"}) {
            INDArray mean = g.getLayer(bn).getParam("mean");
            mean.assign(Nd4j.rand(DataType.FLOAT, mean.shape()).subi(0.5));
            INDArray gamma = g.getLayer(bn).getParam("gamma");
            gamma.assign(Nd4j.rand(DataType.FLOAT, gamma.shape()).addi(0.5));
            INDArray spread = g.getLayer(bn).getParam("log10stdev");
            spread.assign(Nd4j.rand(DataType.FLOAT, spread.shape()).subi(0.5).muli(0.4));
        }
        return BatchNormFreezer.freeze(new TransferLearning.GraphBuilder(g).setFeatureExtractor("a_relu").build());
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    @Test
    void theTrainablePartAboveTheBoundaryTrainsOnTheEngineAsOnDl4j() {
        ComputationGraph whole = backbone();
        ComputationGraph onDl4j = GraphCut.above(whole, "a_relu");
        ComputationGraph onEngine = GraphCut.above(whole, "a_relu");
        int index = whole.getVertex("a_relu").getVertexIndex();
        try (TrainableGraph t = TrainableGraph.compile(onEngine, new long[] {4, 8, 8}, EngineMode.ONEDNN)) {
            assertFalse(t.hasBatchStatistics(), "every batch normalization above the boundary is a frozen affine map");
            for (int step = 0; step < 4; step++) {
                Nd4j.getRandom().setSeed(50 + step);
                INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3, 8, 8).subi(0.5);
                INDArray y = Nd4j.zeros(DataType.FLOAT, 5, 3);
                for (int i = 0; i < 5; i++) {
                    y.putScalar(i, (i + step) % 3, 1);
                }
                INDArray features = whole.feedForward(new INDArray[] {x}, index, false).get("a_relu");
                INDArray want = onDl4j.outputSingle(false, features);
                assertTrue(want.equalsWithEps(t.output(features), 1e-4), "outputs at step " + step);
                onDl4j.fit(new DataSet(features, y));
                double loss = t.fit(features, y).loss();
                assertEquals(onDl4j.score(), loss, 1e-4 * (1 + loss), "loss at step " + step);
            }
            t.store();
        }
        float[] a = onDl4j.params().toFloatVector();
        float[] b = onEngine.params().toFloatVector();
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-3 * (1 + Math.abs(a[i])), "parameter " + i);
        }
    }
}
