package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.model.InputShape;

/**
 * The engine against DL4J on a small graph that uses every operation it lowers: zero padding folded
 * into a strided convolution, batch normalization (log-std and variance forms) folded, a leaky ReLU
 * and a ReLU fused, a residual add fused in place and one fused with a copy, an unfused add, Same-mode
 * convolutions and poolings with asymmetric padding, a merge, a standalone sigmoid, a dense layer on a
 * flattened feature map, dropout, and a softmax output.
 */
class CompiledGraphTest {
    static final InputShape IN = new InputShape(3, 17, 17);

    static ComputationGraph graph() {
        var b = new NeuralNetConfiguration.Builder().seed(5).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(17, 17, 3))
                .addLayer("pad", new ZeroPaddingLayer.Builder(1, 2, 0, 1).build(), "in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(16).activation(Activation.IDENTITY)
                        .convolutionMode(ConvolutionMode.Truncate).build(), "pad")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
                .addLayer("a1", new ActivationLayer.Builder().activation(new ActivationLReLU(0.1)).build(), "bn1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(16).activation(Activation.RELU)
                        .convolutionMode(ConvolutionMode.Same).build(), "a1")
                .addLayer("c3", new ConvolutionLayer.Builder(1, 1).stride(2, 2).nOut(16).activation(Activation.IDENTITY)
                        .convolutionMode(ConvolutionMode.Same).build(), "a1")
                .addLayer("bn3", new BatchNormalization.Builder().useLogStd(false).eps(1e-3).build(), "c3")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn3", "c2")
                .addLayer("a2", new ActivationLayer.Builder().activation(Activation.TANH).build(), "add")
                .addVertex("add2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a2", "c2")
                .addLayer("p1", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG, new int[] {3, 3}, new int[] {2, 2})
                        .convolutionMode(ConvolutionMode.Same).build(), "add2")
                .addLayer("p2", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX, new int[] {3, 3}, new int[] {2, 2})
                        .convolutionMode(ConvolutionMode.Same).build(), "add2")
                .addVertex("m", new MergeVertex(), "p1", "p2")
                .addLayer("a3", new ActivationLayer.Builder().activation(Activation.SIGMOID).build(), "m")
                .addLayer("d1", new DenseLayer.Builder().nOut(12).activation(Activation.ELU).build(), "a3")
                .addLayer("drop", new DropoutLayer.Builder(0.5).build(), "d1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "drop")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        Nd4j.getRandom().setSeed(9);
        for (Layer l : g.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn) {
                long c = bn.getParam("mean").length();
                bn.setParam("mean", Nd4j.randn(new long[] {1, c}).muli(0.5));
                String s = bn.paramTable().containsKey("log10stdev") ? "log10stdev" : "var";
                bn.setParam(s, s.equals("var") ? Nd4j.rand(new long[] {1, c}).addi(0.2) : Nd4j.rand(new long[] {1, c}).subi(0.5));
                bn.setParam("gamma", Nd4j.rand(new long[] {1, c}).addi(0.5));
                bn.setParam("beta", Nd4j.randn(new long[] {1, c}).muli(0.3));
            }
        }
        return g;
    }

    static INDArray images(int n) {
        Nd4j.getRandom().setSeed(n);
        return Nd4j.rand(new long[] {n, 3, 17, 17}).muli(4).subi(2);
    }

    static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double err = actual.sub(expected).amaxNumber().doubleValue() / scale;
        assertTrue(err < 1e-4, what + ": relative error " + err);
    }

    @Test
    void everyOperationMatchesDl4jAtEveryVertexAndBatchSize() {
        ComputationGraph g = graph();
        for (String v : List.of("c1", "a1", "c2", "bn3", "add", "a2", "add2", "p1", "p2", "m", "a3", "d1", "out")) {
            try (CompiledGraph cg = CompiledGraph.compile(g, v, IN)) {
                for (int n : new int[] {3, 1, 5, 3}) { // a third batch size evicts a plan; the fourth rebuilds it
                    INDArray x = images(n);
                    Map<String, INDArray> ref = g.feedForward(x, false);
                    // DL4J's map holds "add" and "m" after the activation layers a2 and a3 ran in place on them:
                    // rebuild those from their inputs
                    INDArray want = v.equals("add") ? ref.get("c2").add(ref.get("bn3"))
                            : v.equals("m") ? Nd4j.concat(1, ref.get("p1"), ref.get("p2")) : ref.get(v);
                    assertClose(want, cg.output(x), v + " batch " + n);
                }
                assertArrayEquals(java.util.Arrays.copyOfRange(g.feedForward(images(1), false).get(v).shape(), 1,
                        g.feedForward(images(1), false).get(v).rank()), cg.outputShape(), v);
            }
        }
    }

    @Test
    void foldsAndFusesWhatItShould() {
        try (CompiledGraph cg = CompiledGraph.compile(graph(), "out", IN)) {
            List<String> ops = cg.operations();
            String all = String.join("\n", ops);
            assertFalse(all.contains("bn1 ") || all.contains("bn3 ") || all.contains("pad ") || all.contains("a1 ")
                    || all.contains("drop "), all);
            assertTrue(all.contains("c3 CONV") && all.contains("sumWith=c2"), all); // residual add fused into c3
            assertTrue(all.contains("add2 ADD"), all); // both operands already carry activations: a real add
            assertTrue(all.contains("a3 ELTWISE") && all.contains("out SOFTMAX"), all);
            assertTrue(cg.implementations(2).stream().anyMatch(s -> s.startsWith("c1: ")), cg.implementations(2).toString());
            assertTrue(cg.weightBytes() > 0);
        }
    }

    @Test
    void layersItDoesNotRunAreRefusedByNameAndTryCompileFallsBack() {
        var conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("lrn", new LocalResponseNormalization.Builder().build(), "c")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "lrn")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> CompiledGraph.compile(g, "out", new InputShape(3, 8, 8)));
        assertTrue(e.getMessage().startsWith("vertex 'lrn': LocalResponseNormalization"), e.getMessage());
        assertTrue(Engine.tryCompile(g, "out", new InputShape(3, 8, 8), EngineMode.AUTO).isEmpty());
        assertTrue(Engine.tryCompile(g, "c", new InputShape(3, 8, 8), EngineMode.AUTO).map(c -> {
            c.close();
            return true;
        }).orElse(false), "the part before the unsupported layer compiles");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> CompiledGraph.compile(g, "nope", new InputShape(3, 8, 8)));
        assertTrue(bad.getMessage().contains("'nope'") && bad.getMessage().contains("lrn"), bad.getMessage());
    }

    @Test
    void modeDl4jTurnsItOffAndUnknownModesAreRefused() {
        ComputationGraph g = graph();
        assertTrue(Engine.enabled(EngineMode.AUTO));
        assertFalse(Engine.enabled(EngineMode.DL4J));
        assertTrue(Engine.tryCompile(g, "out", IN, EngineMode.DL4J).isEmpty());
        INDArray x = images(2);
        try (Runner r = Runner.ofOutput(g, EngineMode.DL4J)) {
            assertClose(g.output(false, x)[0], r.output(x), "runner on DL4J");
            assertFalse(r.compiled());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineMode.parse("turbo"));
        assertTrue(e.getMessage().contains("'turbo'") && e.getMessage().contains("auto, onednn, nd4j, dl4j"),
                e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> CompiledGraph.compile(g, "out", IN, EngineMode.DL4J));
        assertTrue(none.getMessage().contains("dl4j") && none.getMessage().contains("auto, onednn, nd4j"), none.getMessage());
        try (Runner r = Runner.ofOutput(g, EngineMode.ONEDNN)) {
            assertClose(g.output(false, x)[0], r.output(x), "runner on the engine");
            assertTrue(r.compiled());
        }
    }

    @Test
    void outputRefusesWrongShapesAndUseAfterClose() {
        CompiledGraph cg = CompiledGraph.compile(graph(), "m", IN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cg.output(Nd4j.rand(new long[] {2, 3, 16, 17})));
        assertTrue(e.getMessage().contains("[2, 3, 16, 17]") && e.getMessage().contains("3, 17, 17"), e.getMessage());
        INDArray view = images(4).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));
        assertEquals(2, cg.output(view).size(0)); // views and other orders are copied first
        cg.close();
        cg.close();
        assertThrows(IllegalStateException.class, () -> cg.output(images(1)));
    }

    @Test
    void depthwiseAndSeparableConvolutionsMatchDl4j() {
        var conf = new NeuralNetConfiguration.Builder().seed(3).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(15, 13, 3))
                .addLayer("sep", new SeparableConvolution2D.Builder(3, 3).stride(2, 2).depthMultiplier(2).nOut(8)
                        .activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Same).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "sep")
                .addLayer("act", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(3).padding(1, 1)
                        .activation(Activation.TANH).convolutionMode(ConvolutionMode.Truncate).build(), "act")
                .addLayer("sep2", new SeparableConvolution2D.Builder(2, 2).nOut(5).hasBias(false)
                        .activation(Activation.RELU).convolutionMode(ConvolutionMode.Truncate).build(), "dw")
                .setOutputs("sep2").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        for (Layer l : g.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn) {
                bn.setParam("mean", Nd4j.randn(new long[] {1, 6}).muli(0.5));
                bn.setParam("gamma", Nd4j.rand(new long[] {1, 6}).addi(0.5));
            }
        }
        INDArray x = Nd4j.rand(new long[] {2, 3, 15, 13}).subi(0.5);
        Map<String, INDArray> ref = g.feedForward(x, false);
        for (String v : List.of("sep", "act", "dw", "sep2")) {
            try (CompiledGraph cg = CompiledGraph.compile(g, v, new InputShape(3, 15, 13))) {
                assertClose(ref.get(v), cg.output(x), v);
            }
        }
    }

    /**
     * The ND4J-operations executor (what runs on the CUDA backend, there on cuDNN) gives DL4J's outputs
     * too: every vertex of the graph with every lowered operation, and the depthwise/separable graph.
     */
    @Test
    void theNd4jOperationsExecutorMatchesDl4j() {
        ComputationGraph g = graph();
        for (String v : List.of("c1", "a1", "c2", "bn3", "add", "a2", "add2", "p1", "p2", "m", "a3", "d1", "out")) {
            try (CompiledGraph cg = CompiledGraph.compile(g, v, IN, Engine.Executor.ND4J)) {
                assertEquals(Engine.Executor.ND4J, cg.executor());
                INDArray x = images(3);
                Map<String, INDArray> ref = g.feedForward(x, false);
                INDArray want = v.equals("add") ? ref.get("c2").add(ref.get("bn3"))
                        : v.equals("m") ? Nd4j.concat(1, ref.get("p1"), ref.get("p2")) : ref.get(v);
                assertClose(want, cg.output(x), "nd4j " + v);
            }
        }
        assertEquals(Engine.Executor.ND4J, Engine.executor(EngineMode.ND4J));
        assertEquals(Engine.Executor.ONEDNN, Engine.executor(EngineMode.AUTO), "oneDNN where it is available");
        try (CompiledGraph cg = CompiledGraph.compile(g, "out", IN, EngineMode.ND4J)) {
            assertEquals(Engine.Executor.ND4J, cg.executor());
        }
    }
}
