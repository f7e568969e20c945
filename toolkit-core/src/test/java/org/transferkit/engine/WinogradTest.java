package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.model.InputShape;

/**
 * Winograd convolutions and the blocked layout of residual networks, on a small network in ResNet's shape: a 30x30
 * stage with an identity block whose addition is fused into its last 1x1 convolution, then a projection block whose
 * two stride-2 1x1 convolutions read that stage's output at 15x15. Its 3x3 stride-1 convolutions of 16 channels run
 * oneDNN's Winograd algorithm; the stem (3 input channels) and an 8-channel one do not. Every layout, with and
 * without Winograd, gives DL4J's numbers.
 */
class WinogradTest {
    private static final InputShape IN = new InputShape(3, 30, 30);

    static ComputationGraph residualNet() {
        var b = new NeuralNetConfiguration.Builder().seed(3).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(30, 30, 3))
                .addLayer("stem", conv(3, 1, 16, Activation.RELU), "in")
                .addLayer("b1a", conv(1, 1, 16, Activation.RELU), "stem")
                .addLayer("b1b", conv(3, 1, 16, Activation.RELU), "b1a")
                .addLayer("b1c", conv(1, 1, 16, Activation.IDENTITY), "b1b")
                .addVertex("b1", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b1c", "stem")
                .addLayer("b1r", new ActivationLayer.Builder().activation(Activation.RELU).build(), "b1")
                .addLayer("b2a", conv(1, 2, 16, Activation.RELU), "b1r")
                .addLayer("b2s", conv(1, 2, 32, Activation.IDENTITY), "b1r")
                .addLayer("b2b", conv(3, 1, 16, Activation.RELU), "b2a")
                .addLayer("b2c", conv(1, 1, 32, Activation.IDENTITY), "b2b")
                .addVertex("b2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b2c", "b2s")
                .addLayer("b2r", new ActivationLayer.Builder().activation(Activation.RELU).build(), "b2")
                .addLayer("narrow", conv(3, 1, 8, Activation.RELU), "b2r");
        return LayoutTest.pooledOutput(b, "narrow");
    }

    private static ConvolutionLayer conv(int k, int stride, int out, Activation act) {
        return new ConvolutionLayer.Builder(k, k).stride(stride, stride).nOut(out).activation(act).build();
    }

    private static INDArray images(int n) {
        return LayoutTest.images(40, n, 30);
    }

    @Test
    void residualNetMatchesDl4jInEveryLayoutWithAndWithoutWinograd() {
        LayoutTest.matchesDl4jInEveryLayout(residualNet(), IN, List.of("b1b", "b1r", "b2s", "b2r", "narrow", "out"),
                WinogradTest::images, 1, 3);
    }

    /** b1b and b2b (16 to 16 channels, 3x3, stride 1) run Winograd in either layout; the stem and "narrow" do not. */
    @Test
    void threeByThreeConvolutionsOfWhole16ChannelBlocksRunWinograd() {
        assumeTrue(Layout.sixteenFloatKernels(), "oneDNN has Winograd convolutions on AVX-512 machines only");
        for (Layout layout : Layout.values()) {
            try (CompiledGraph on = CompiledGraph.compile(residualNet(), "out", IN, Engine.Executor.ONEDNN, layout, true);
                    CompiledGraph off = CompiledGraph.compile(residualNet(), "out", IN, Engine.Executor.ONEDNN, layout, false)) {
                List<String> steps = on.implementations(2);
                for (String conv : List.of("b1b", "b2b")) {
                    assertTrue(step(steps, conv).contains("wino"), layout + " " + steps);
                }
                for (String conv : List.of("stem", "b1a", "b2a", "b2s", "narrow")) {
                    assertFalse(step(steps, conv).contains("wino"), layout + " " + steps);
                }
                assertTrue(off.implementations(2).stream().noneMatch(s -> s.contains("wino")), off.implementations(2).toString());
                INDArray x = images(3);
                CompiledGraphTest.assertClose(off.output(x), on.output(x), layout + ": Winograd against direct");
            }
        }
    }

    /** In the blocked layout nothing between b1 and b2's convolutions changes layout: no reorder after the input's. */
    @Test
    void aBlockedResidualNetReordersOnlyItsInputAndOutput() {
        assumeTrue(Layout.sixteenFloatKernels(), "the blocked layout needs oneDNN's AVX-512 kernels");
        try (CompiledGraph cg = CompiledGraph.compile(residualNet(), "b2r", IN, Engine.Executor.ONEDNN, Layout.BLOCKED)) {
            List<String> steps = cg.implementations(2);
            int stem = steps.indexOf(steps.stream().filter(s -> s.startsWith("stem: ")).findFirst().orElseThrow());
            assertEquals(0, steps.subList(stem, steps.size() - 1).stream().filter(s -> s.startsWith("reorder: ")).count(),
                    steps.toString());
        }
    }

    @Test
    void heavyProgramsWithResidualAdditionsOnLargeFeatureMapsArePlannedBlocked() {
        ComputationGraph g = residualNet();
        Lowering.Program heavy = Lowering.lower(g, "b2r", new long[] {3, 600, 600});
        assertTrue(Layout.macs(heavy) >= Layout.LIGHT_MACS);
        assertEquals(Layout.sixteenFloatKernels() ? Layout.BLOCKED : Layout.CHOSEN, Layout.of(heavy));
        // without the additions (the first stage's 3x3 convolution only) a heavy program stays as oneDNN chooses
        assertEquals(Layout.CHOSEN, Layout.of(Lowering.lower(g, "b1b", new long[] {3, 1200, 1200})));
        // the residual additions count where they add on at least 28x28 pixels: b1's at 30x30 and 28x28, not at 27x27
        assertTrue(Layout.largeResiduals(Lowering.lower(g, "b2r", new long[] {3, 30, 30})));
        assertTrue(Layout.largeResiduals(Lowering.lower(g, "b2r", new long[] {3, 28, 28})));
        assertFalse(Layout.largeResiduals(Lowering.lower(g, "b2r", new long[] {3, 27, 27})));
    }

    private static String step(List<String> steps, String name) {
        return steps.stream().filter(s -> s.startsWith(name + ": ")).findFirst()
                .orElseThrow(() -> new AssertionError("no step " + name + " in " + steps));
    }
}
