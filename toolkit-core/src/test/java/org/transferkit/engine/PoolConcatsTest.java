package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.model.InputShape;

/**
 * A merge read only by a pooling is pooled input by input ({@link PoolConcats}): SqueezeNet 1.1's shape, a fire
 * module merged into a max-pooling read by the next fire module's squeeze (so the pooled merge is then split too,
 * {@link SplitConcats}, and nothing is copied), and a last fire module merged into global average pooling and a
 * dense layer (the pooled merge is copied: a few values per example). Both layouts give DL4J's numbers.
 */
class PoolConcatsTest {
    private static final InputShape IN = new InputShape(3, 35, 35);

    static ComputationGraph firesWithPooling() {
        var b = new NeuralNetConfiguration.Builder().seed(12).weightInit(WeightInit.RELU).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(35, 35, 3))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(32).activation(Activation.RELU).build(), "in");
        LayoutTest.fire(b, "f2", 16, 16, "conv1");
        b.addLayer("p2", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX, new int[] {3, 3}, new int[] {2, 2}).build(), "f2");
        LayoutTest.fire(b, "f3", 12, 32, "p2");
        return LayoutTest.pooledOutput(b, "f3");
    }

    private static INDArray images(int n) {
        return LayoutTest.images(200, n, 35);
    }

    @Test
    void pooledMergesMatchDl4jInBothLayouts() {
        LayoutTest.matchesDl4jInEveryLayout(firesWithPooling(), IN, List.of("f2", "p2", "f3_sq", "f3", "pool", "out"),
                PoolConcatsTest::images, 1, 3);
    }

    @Test
    void aMergeReadOnlyByAPoolingIsPooledPartByPart() {
        for (Layout layout : Layout.values()) {
            try (CompiledGraph cg = CompiledGraph.compile(firesWithPooling(), "out", IN, Engine.Executor.ONEDNN, layout)) {
                List<String> steps = cg.implementations(2);
                for (String pool : List.of("p2", "pool")) {
                    assertTrue(steps.stream().anyMatch(s -> s.startsWith(pool + "/0: ")), steps.toString());
                    assertTrue(steps.stream().anyMatch(s -> s.startsWith(pool + "/1: ")), steps.toString());
                }
                // f2 and f3 are never merged; the pooled f2 is split into f3's squeeze, the pooled f3 (5 values an example) copied
                assertTrue(steps.stream().noneMatch(s -> s.startsWith("f2: ") || s.startsWith("f3: ") || s.startsWith("p2: ")),
                        steps.toString());
                assertEquals(2, steps.stream().filter(s -> s.startsWith("f3_sq: ")).count(), steps.toString());
                assertEquals(1, steps.stream().filter(s -> s.startsWith("pool: ")).count(), steps.toString());
            }
        }
    }

    @Test
    void aMergeReadElsewhereOrReturnedIsLeftAlone() {
        ComputationGraph g = firesWithPooling();
        Lowering.Program upToMerge = Lowering.lower(g, "f2", new long[] {3, 35, 35});
        assertSame(upToMerge, PoolConcats.apply(upToMerge));
        Lowering.Program whole = Lowering.lower(g, "out", new long[] {3, 35, 35});
        Lowering.Program pooled = PoolConcats.apply(whole);
        assertEquals(whole.ops().size() + 2, pooled.ops().size(), pooled.ops().toString()); // 2 poolings became 4, 2 merges stay
        assertEquals(whole.output(), pooled.output());
    }
}
