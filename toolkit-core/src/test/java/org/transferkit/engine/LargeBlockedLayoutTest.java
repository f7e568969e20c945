package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * {@link Layout#LARGE_BLOCKED} on a small residual network in ResNet's shape: a 30x30 stage (900 pixels, blocked)
 * with an identity block whose addition is fused into its last 1x1 convolution, then a projection block whose two
 * stride-2 1x1 convolutions read that stage's output at 15x15 (225 pixels, as oneDNN chooses): the layout changes
 * there, and both readers share one reordered copy. Every layout gives DL4J's numbers.
 */
class LargeBlockedLayoutTest {
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
                .addLayer("b2r", new ActivationLayer.Builder().activation(Activation.RELU).build(), "b2");
        return LayoutTest.pooledOutput(b, "b2r");
    }

    private static ConvolutionLayer conv(int k, int stride, int out, Activation act) {
        return new ConvolutionLayer.Builder(k, k).stride(stride, stride).nOut(out).activation(act).build();
    }

    private static INDArray images(int n) {
        return LayoutTest.images(40, n, 30);
    }

    @Test
    void residualNetMatchesDl4jInEveryLayout() {
        LayoutTest.matchesDl4jInEveryLayout(residualNet(), IN, List.of("b1r", "b2s", "b2r", "out"),
                LargeBlockedLayoutTest::images, 1, 3);
    }

    /** b1r, blocked at 30x30, is read by b2a and b2s at 15x15: one reorder between them, none after. */
    @Test
    void bothReadersOfTheLastLargeFeatureMapShareOneReorder() {
        try (CompiledGraph cg = CompiledGraph.compile(residualNet(), "b2r", IN, Engine.Executor.ONEDNN, Layout.LARGE_BLOCKED)) {
            List<String> steps = cg.implementations(2);
            int b1c = index(steps, "b1c: ");
            int b2a = index(steps, "b2a: ");
            int b2s = index(steps, "b2s: ");
            assertTrue(b1c < b2a && b2a < b2s, steps.toString());
            assertEquals(1, steps.subList(b1c, b2s).stream().filter(s -> s.startsWith("reorder: ")).count(), steps.toString());
            assertEquals(0, steps.subList(b2s, steps.size() - 1).stream().filter(s -> s.startsWith("reorder: ")).count(),
                    steps.toString());
        }
    }

    @Test
    void heavyProgramsWithResidualAdditionsOnLargeFeatureMapsArePlannedLargeBlocked() {
        ComputationGraph g = residualNet();
        Lowering.Program heavy = Lowering.lower(g, "out", new long[] {3, 600, 600});
        assertTrue(Layout.macs(heavy) >= Layout.LIGHT_MACS);
        assertEquals(Layout.sixteenFloatKernels() ? Layout.LARGE_BLOCKED : Layout.CHOSEN, Layout.of(heavy));
        // without the additions (the first stage's 3x3 convolution only) a heavy program stays as oneDNN chooses
        assertEquals(Layout.CHOSEN, Layout.of(Lowering.lower(g, "b1b", new long[] {3, 1200, 1200})));
        // the residual additions count where they add on at least 28x28 pixels: b1's at 30x30 and 28x28, not at 27x27
        assertTrue(Layout.largeResiduals(Lowering.lower(g, "out", new long[] {3, 30, 30})));
        assertTrue(Layout.largeResiduals(Lowering.lower(g, "out", new long[] {3, 28, 28})));
        assertFalse(Layout.largeResiduals(Lowering.lower(g, "out", new long[] {3, 27, 27})));
    }

    private static int index(List<String> steps, String prefix) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no step " + prefix + " in " + steps);
    }
}
