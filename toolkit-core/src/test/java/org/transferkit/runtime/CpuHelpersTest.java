package org.transferkit.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.TinyBackbone;

/** The same outputs and training steps, within float tolerance, with and without the oneDNN helpers. */
class CpuHelpersTest {
    @Test
    void helpersGiveTheSameOutputsAndGradientsAndTheSwitchTurnsThemOff() throws Exception {
        ComputationGraph plain = new TinyBackbone(3).loadGraph();
        ComputationGraph fast = new TinyBackbone(3).loadGraph();
        assertEquals(3, CpuHelpers.apply(fast), "conv1, pool1, conv2");
        assertEquals(0, CpuHelpers.apply(fast), "already set");
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(new long[] {4, 3, 16, 16}).subi(0.5);
        INDArray y = Nd4j.zeros(4, 5);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 5, 1);
        }
        assertTrue(plain.outputSingle(x).equalsWithEps(fast.outputSingle(x), 1e-5), "inference");
        for (int step = 0; step < 3; step++) {
            plain.fit(new DataSet(x, y));
            fast.fit(new DataSet(x, y));
        }
        assertTrue(plain.params().equalsWithEps(fast.params(), 1e-4), "three training steps");

        assertEquals(0, CpuHelpers.apply(new TinyBackbone(3).loadGraph(), false), "switched off");
        assertEquals(0, CpuHelpers.apply(new TinyBackbone(3).loadGraph(),
                RuntimeOptions.builder().cpuHelpers(false).build()), "switched off in the options");
        assertEquals(3, CpuHelpers.apply(new TinyBackbone(3).loadGraph(), RuntimeOptions.defaults()), "on by default");
    }
}
