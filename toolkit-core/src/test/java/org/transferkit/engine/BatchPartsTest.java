package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.transferkit.engine.CompiledGraphTest.assertClose;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.model.InputShape;

/**
 * A light program's batch runs in parts, two per oneDNN thread of the caller, side by side ({@link BatchParts}): the
 * outputs are DL4J's whatever the parts (even and uneven, fewer threads than parts, one example, primitives that
 * need a scratchpad: each plan has its own, so a part runs on any thread), and a heavy program is never cut.
 */
class BatchPartsTest {
    private static final InputShape IN = new InputShape(3, 35, 35);

    private static INDArray images(int n) {
        Nd4j.getRandom().setSeed(300 + n);
        return Nd4j.rand(new long[] {n, 3, 35, 35}).subi(0.5);
    }

    @Test
    void theCallersThreadsSetTheParts() {
        assumeTrue(DnnlThreads.available(), "oneDNN's OpenMP threads cannot be set here");
        int before = DnnlThreads.max();
        try {
            DnnlThreads.set(3);
            assertEquals(3, DnnlThreads.max());
            ComputationGraph g = PoolConcatsTest.firesWithPooling();
            try (CompiledGraph cg = CompiledGraph.compile(g, "out", IN, Engine.Executor.ONEDNN)) {
                for (int n : new int[] {1, 2, 3, 5, 6}) {
                    INDArray x = images(n);
                    assertClose(g.outputSingle(false, x), cg.output(x), "batch " + n);
                    assertEquals(Math.min(n, 6), cg.parts(n), "parts of batch " + n);
                }
                DnnlThreads.set(1); // the 5 parts of batch 5 now run one after the other on this thread
                INDArray x = images(5);
                assertClose(g.outputSingle(false, x), cg.output(x), "batch 5, one thread");
                assertEquals(1, DnnlThreads.max());
                assertEquals(1, cg.parts(4), "a plan made now, with one thread");
            }
            DnnlThreads.set(2);
            ComputationGraph odd = CompiledGraphTest.graph(); // odd channel counts: convolutions with a scratchpad
            try (CompiledGraph cg = CompiledGraph.compile(odd, "out", CompiledGraphTest.IN, Engine.Executor.ONEDNN)) {
                INDArray x = CompiledGraphTest.images(5);
                assertClose(odd.outputSingle(false, x), cg.output(x), "odd channels, batch 5");
                assertEquals(4, cg.parts(5));
            }
            try (CompiledGraph cg = CompiledGraph.compile(g, "f3", IN, Engine.Executor.ONEDNN)) {
                INDArray x = images(4);
                assertClose(g.feedForward(x, false).get("f3"), cg.output(x), "a feature map, batch 4");
                assertEquals(4, cg.parts(4));
                DnnlThreads.set(3); // 4 parts, 3 threads taking them
                assertClose(g.feedForward(x, false).get("f3"), cg.output(x), "a feature map, batch 4, 3 threads");
            }
        } finally {
            DnnlThreads.set(before);
        }
    }

    @Test
    void heavyProgramsAreNotCut() {
        try (CompiledGraph cg = CompiledGraph.compile(PoolConcatsTest.firesWithPooling(), "out", new InputShape(3, 1500, 1500),
                Engine.Executor.ONEDNN)) {
            assertEquals(1, cg.parts(2));
        }
    }

    @Test
    void threadCountsBelowOneAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> DnnlThreads.set(0));
    }
}
