package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.transferkit.engine.CompiledGraphTest.assertClose;

import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.model.InputShape;

/**
 * Both activation layouts a plan can use give DL4J's numbers, on two SqueezeNet-style fire modules (squeeze
 * 1x1, expand 1x1 and 3x3, merged; the second squeeze has 12 channels, not a multiple of 16, so the blocked
 * plan mixes layouts there; f2's merge is split into f3's squeeze, see {@link SplitConcats}) and on the graph of
 * {@link CompiledGraphTest}; light programs are planned blocked
 * and heavy ones as oneDNN chooses (where oneDNN has AVX-512 kernels).
 */
class LayoutTest {
    private static final InputShape IN = new InputShape(3, 33, 33);

    static ComputationGraph fireModules() {
        var b = new NeuralNetConfiguration.Builder().seed(11).weightInit(WeightInit.RELU).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(33, 33, 3))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(32).activation(Activation.IDENTITY).build(), "in")
                .addLayer("relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "conv1")
                .addLayer("pool1", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX, new int[] {3, 3}, new int[] {2, 2})
                        .build(), "relu1");
        fire(b, "f2", 16, 32, "pool1");
        fire(b, "f3", 12, 32, "f2");
        return pooledOutput(b, "f3");
    }

    /** A SqueezeNet fire module: 1x1 squeeze, then 1x1 and 3x3 expands merged, ReLU after each convolution. */
    static void fire(ComputationGraphConfiguration.GraphBuilder b, String name, int squeeze, int expand, String in) {
        b.addLayer(name + "_sq", new ConvolutionLayer.Builder(1, 1).nOut(squeeze).activation(Activation.RELU).build(), in)
                .addLayer(name + "_e1", new ConvolutionLayer.Builder(1, 1).nOut(expand).activation(Activation.RELU).build(), name + "_sq")
                .addLayer(name + "_e3", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(expand).activation(Activation.RELU)
                        .build(), name + "_sq")
                .addVertex(name, new MergeVertex(), name + "_e1", name + "_e3");
    }

    /** Ends {@code b} with global average pooling of {@code from} ("pool") and a 5-way softmax ("out"); built, initialized. */
    static ComputationGraph pooledOutput(ComputationGraphConfiguration.GraphBuilder b, String from) {
        b.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), from)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5).activation(Activation.SOFTMAX)
                        .build(), "pool")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    /** @return {@code n} images of {@code 3 x size x size} in [-0.5, 0.5), from seed {@code seed + n} */
    static INDArray images(long seed, int n, int size) {
        Nd4j.getRandom().setSeed(seed + n);
        return Nd4j.rand(new long[] {n, 3, size, size}).subi(0.5);
    }

    private static INDArray images(int n) {
        return images(100, n, 33);
    }

    @Test
    void fireModulesMatchDl4jInBothLayoutsAtEveryBatchSize() {
        matchesDl4jInEveryLayout(fireModules(), IN, List.of("pool1", "f2_sq", "f2", "f3_e3", "f3", "pool", "out"),
                LayoutTest::images, 1, 4);
    }

    /**
     * Asserts that {@code g} compiled up to each of {@code vertices}, in every {@link Layout}, with and without Winograd
     * convolutions, gives DL4J's activations of that vertex at each batch size.
     */
    static void matchesDl4jInEveryLayout(ComputationGraph g, InputShape in, List<String> vertices,
            IntFunction<INDArray> images, int... batches) {
        for (Layout layout : Layout.values()) {
            for (boolean winograd : new boolean[] {true, false}) {
                for (String v : vertices) {
                    try (CompiledGraph cg = CompiledGraph.compile(g, v, in, Engine.Executor.ONEDNN, layout, winograd)) {
                        for (int n : batches) {
                            INDArray x = images.apply(n);
                            assertClose(g.feedForward(x, false).get(v), cg.output(x),
                                    layout + (winograd ? "" : " direct") + " " + v + " batch " + n);
                        }
                    }
                }
            }
        }
    }

    /**
     * f2's merge is read only by f3's 1x1 squeeze: split into two convolutions, no copy; f3's is read by a global pooling,
     * so it is pooled part by part ({@link PoolConcats}) and the pooled values are merged.
     */
    @Test
    void aMergeReadOnlyByA1x1ConvolutionIsNotCopied() {
        for (Layout layout : Layout.values()) {
            try (CompiledGraph cg = CompiledGraph.compile(fireModules(), "out", IN, Engine.Executor.ONEDNN, layout)) {
                List<String> steps = cg.implementations(2);
                assertEquals(2, steps.stream().filter(s -> s.startsWith("f3_sq: ")).count(), steps.toString());
                assertTrue(steps.stream().noneMatch(s -> s.startsWith("f2: ")), steps.toString());
                assertTrue(steps.stream().anyMatch(s -> s.startsWith("pool: ")), steps.toString());
            }
        }
    }

    @Test
    void everyOperationMatchesDl4jWhenOneDnnChoosesTheLayouts() {
        ComputationGraph g = CompiledGraphTest.graph();
        for (String v : List.of("c1", "a1", "c2", "bn3", "add2", "p1", "p2", "a3", "d1", "out")) {
            try (CompiledGraph cg = CompiledGraph.compile(g, v, CompiledGraphTest.IN, Engine.Executor.ONEDNN, Layout.CHOSEN)) {
                INDArray x = CompiledGraphTest.images(3);
                Map<String, INDArray> ref = g.feedForward(x, false);
                assertClose(ref.get(v), cg.output(x), "chosen " + v);
            }
        }
    }

    @Test
    void lightProgramsArePlannedBlockedAndHeavyOnesAsOneDnnChooses() {
        ComputationGraph g = fireModules();
        Lowering.Program small = Lowering.lower(g, "out", new long[] {3, 33, 33});
        // conv1 16x16x32x27, then at 7x7: f2 squeeze 32->16, expands 16->32 (1x1 and 3x3), f3 64->12, 12->32; dense 64->5
        long macs = 256L * 32 * 27 + 49L * (16 * 32 + 32 * 16 + 32 * 16 * 9) + 49L * (12 * 64 + 32 * 12 + 32 * 12 * 9) + 5 * 64;
        assertEquals(macs, Layout.macs(small));
        Layout light = Layout.sixteenFloatKernels() ? Layout.BLOCKED : Layout.CHOSEN; // AVX2 machines: always CHOSEN
        try (CompiledGraph cg = CompiledGraph.compile(g, "out", IN)) {
            assertEquals(light, Layout.of(small));
            assertEquals(light, cg.layout());
        }
        assertEquals(Layout.CHOSEN, Layout.of(Lowering.lower(g, "out", new long[] {3, 1500, 1500})));
    }
}
