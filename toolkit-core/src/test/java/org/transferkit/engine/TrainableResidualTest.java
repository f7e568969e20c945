package org.transferkit.engine;

import static org.transferkit.engine.TrainingComparisons.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.model.InputShape;

/**
 * The training path's batch normalization (training mode: batch statistics, gamma and beta gradients, running
 * statistics moved as DL4J moves them, in both of DL4J's forms of the running spread) and residual addition, against
 * DL4J's own backprop and fit on tiny ResNet-style graphs: a stem as ResNet50's (zero padding, strided convolution,
 * batch normalization, ReLU layer, padded max pooling), an identity block and a projection block.
 */
class TrainableResidualTest {
    private static final InputShape IN = new InputShape(3, 13, 13);

    /** Stem, identity block, projection block, global pooling and a softmax output, as DL4J's zoo ResNet50 builds them. */
    static ComputationGraph resnet(IUpdater updater, boolean logStd, double l2) {
        return resnet(updater, logStd, l2, true);
    }

    /** @param bias whether the convolutions have biases (Keras' ResNet50 has none before its batch normalizations) */
    static ComputationGraph resnet(IUpdater updater, boolean logStd, double l2, boolean bias) {
        var b = new NeuralNetConfiguration.Builder().seed(5).updater(updater).weightInit(WeightInit.RELU).l2(l2).l1(l2 / 10)
                .activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Truncate).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(13, 13, 3))
                .addLayer("pad", new ZeroPaddingLayer.Builder(1, 1).build(), "in")
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(4).build(), "pad")
                .addLayer("stem_bn", bn(logStd), "stem")
                .addLayer("stem_relu", relu(), "stem_bn")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(1, 1).padding(1, 1)
                        .build(), "stem_relu")
                // identity block: pool feeds both the branch and the addition
                .addLayer("a1", new ConvolutionLayer.Builder(1, 1).nOut(3).build(), "pool")
                .addLayer("a1_bn", bn(logStd), "a1")
                .addLayer("a1_relu", relu(), "a1_bn")
                .addLayer("a2", new ConvolutionLayer.Builder(3, 3).convolutionMode(ConvolutionMode.Same).nOut(4).build(),
                        "a1_relu")
                .addLayer("a2_bn", bn(logStd), "a2")
                .addVertex("a_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a2_bn", "pool")
                .addLayer("a_relu", relu(), "a_add")
                // projection block: strided branch and strided 1x1 shortcut with its own batch normalization
                .addLayer("b1", new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(5).build(), "a_relu")
                .addLayer("b1_bn", bn(logStd), "b1")
                .addLayer("b1_relu", relu(), "b1_bn")
                .addLayer("b2", new ConvolutionLayer.Builder(1, 1).nOut(6).build(), "b1_relu")
                .addLayer("b2_bn", bn(logStd), "b2")
                .addLayer("bs", new ConvolutionLayer.Builder(1, 1).stride(2, 2).nOut(6).build(), "a_relu")
                .addLayer("bs_bn", bn(logStd), "bs")
                .addVertex("b_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bs_bn", "b2_bn")
                .addLayer("b_relu", relu(), "b_add")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "b_relu")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs("out");
        var conf = b.build();
        for (var v : conf.getVertices().values()) {
            if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv && lv.getLayerConf().getLayer() instanceof ConvolutionLayer c) {
                c.setHasBias(bias);
            }
        }
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static BatchNormalization bn(boolean logStd) {
        return new BatchNormalization.Builder().useLogStd(logStd).decay(0.8).eps(1e-3).build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    static INDArray images(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 3, 13, 13).subi(0.5).muli(2);
    }

    private static void assertClose(ComputationGraph g, float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": lengths");
        for (int i = 0; i < want.length; i++) {
            String n = name(g, i);
            double err = Math.abs(want[i] - got[i]);
            assertTrue(err <= tol * (1 + Math.abs(want[i])), what + " " + n + ": DL4J " + want[i] + ", engine " + got[i]);
        }
    }

    /** @return the flat positions of every parameter but the running statistics, with their names */
    private static Map<Integer, String> trained(ComputationGraph g) {
        Map<Integer, String> at = new java.util.TreeMap<>();
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                String k = e.getKey();
                if (!k.equals("mean") && !k.equals("var") && !k.equals("log10stdev")) {
                    for (int i = 0; i < e.getValue().length(); i++) {
                        at.put((int) e.getValue().offset() + i, l.getConfig().getLayerName() + "/" + k + "[" + i + "]");
                    }
                }
            }
        }
        return at;
    }

    /** @return the parameter at flat position {@code at}, for messages */
    static String name(ComputationGraph g, int at) {
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                long o = e.getValue().offset();
                if (at >= o && at < o + e.getValue().length()) {
                    return l.getConfig().getLayerName() + "/" + e.getKey() + "[" + (at - o) + "]";
                }
            }
        }
        return "position " + at;
    }

    private static void sameGradients(ComputationGraph g) {
        INDArray x = images(5, 21);
        INDArray y = labels(5);
        float[] before = g.params().toFloatVector();
        try (TrainableGraph t = TrainableGraph.compile(g, IN, EngineMode.ONEDNN)) {
            double loss = t.gradients(x, y).loss();
            float[] engine = t.flatGradients();
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
            float[] dl4j = g.gradient().gradient().castTo(DataType.FLOAT).toFloatVector();
            List<String> bad = new ArrayList<>();
            for (Map.Entry<Integer, String> p : trained(g).entrySet()) {
                int i = p.getKey();
                double err = Math.abs(dl4j[i] - engine[i] * 5);
                if (err > 5e-4 * (1 + Math.abs(dl4j[i]))) {
                    bad.add(p.getValue() + ": DL4J " + dl4j[i] + ", engine " + engine[i] * 5);
                }
            }
            assertTrue(bad.isEmpty(), bad.size() + " gradients differ: " + bad.subList(0, Math.min(bad.size(), 40)));
            assertEquals(g.score(), loss, 1e-5, "loss");
        }
        g.setParams(Nd4j.createFromArray(before).reshape(1, before.length));
    }

    @Test
    void residualBatchNormGradientsMatchDl4jBackprop() {
        sameGradients(resnet(new Adam(1e-3), true, 0));
    }

    @Test
    void residualBatchNormGradientsMatchWithVarianceAndL2() {
        sameGradients(resnet(new Adam(1e-3), false, 1e-2));
    }

    /** Steps on the engine against DL4J's fit: losses, parameters (running statistics included), updater state. */
    private static void sameRun(ComputationGraph dl4j, ComputationGraph onEngine) {
        try (TrainableGraph t = TrainableGraph.compile(onEngine, IN, EngineMode.ONEDNN)) {
            assertTrue(t.hasBatchStatistics());
            for (int step = 0; step < 5; step++) {
                INDArray x = images(step % 2 == 0 ? 6 : 4, 300 + step);
                INDArray y = labels((int) x.size(0));
                dl4j.fit(new DataSet(x, y));
                double loss = t.fit(x, y).loss();
                assertEquals(dl4j.score(), loss, 5e-4 * (1 + loss), "loss at step " + step);
            }
            t.store();
        }
        assertClose(dl4j, dl4j.params().toFloatVector(), onEngine.params().toFloatVector(), 2e-3, "parameters");
        TrainingComparisons.assertClose(dl4j.getUpdater().getStateViewArray().toFloatVector(),
                onEngine.getUpdater().getStateViewArray().toFloatVector(), 2e-3, "updater state");
        for (String bn : List.of("stem_bn", "a2_bn", "bs_bn")) {
            for (Map.Entry<String, INDArray> e : dl4j.getLayer(bn).paramTable().entrySet()) {
                TrainingComparisons.assertClose(e.getValue().toFloatVector(), onEngine.getLayer(bn).getParam(e.getKey()).toFloatVector(), 2e-4,
                        bn + "/" + e.getKey());
            }
        }
    }

    @Test
    void adamRunWithLogStdMatchesDl4j() {
        // without convolution biases: before a batch normalization their true gradient is 0, and the rounding noise
        // both sides compute instead is what Adam would scale up to full-size steps
        sameRun(resnet(new Adam(1e-2), true, 0, false), resnet(new Adam(1e-2), true, 0, false));
    }

    @Test
    void nesterovRunWithVarianceMatchesDl4j() {
        sameRun(resnet(new Nesterovs(1e-2, 0.9), false, 1e-3), resnet(new Nesterovs(1e-2, 0.9), false, 1e-3));
    }

    /** A checkpoint's state (running statistics included) in a fresh graph continues the same run exactly. */
    @Test
    void aRestoredGraphContinuesTheSameRun() {
        ComputationGraph a = resnet(new Adam(1e-2), true, 0);
        ComputationGraph b = resnet(new Adam(1e-2), true, 0);
        try (TrainableGraph ta = TrainableGraph.compile(a, IN, EngineMode.ONEDNN)) {
            for (int step = 0; step < 2; step++) {
                ta.fit(images(6, 400 + step), labels(6));
            }
            ta.store();
            b.setParams(a.params().dup());
            b.getUpdater().getStateViewArray().assign(a.getUpdater().getStateViewArray());
            b.getConfiguration().setIterationCount(a.getConfiguration().getIterationCount());
            try (TrainableGraph tb = TrainableGraph.compile(b, IN, EngineMode.ONEDNN)) {
                for (int step = 2; step < 4; step++) {
                    double la = ta.fit(images(6, 400 + step), labels(6)).loss();
                    double lb = tb.fit(images(6, 400 + step), labels(6)).loss();
                    assertEquals(la, lb, 1e-6, "step " + step);
                }
                ta.store();
                tb.store();
            }
        }
        TrainingComparisons.assertClose(a.params().toFloatVector(), b.params().toFloatVector(), 1e-6, "parameters");
    }

    @Test
    void outputsOfATrainingModeNetworkAreRefused() {
        try (TrainableGraph t = TrainableGraph.compile(resnet(new Adam(1e-3), true, 0), IN, EngineMode.ONEDNN)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.output(images(2, 1)));
            assertTrue(e.getMessage().contains("batch statistics"), e.getMessage());
        }
    }
}
