package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;

/**
 * {@link GraphCut} cuts a batch-normalized backbone frozen as phase 2 has it (frozen up to the boundary, its batch
 * normalization above the boundary frozen as affine maps, which DL4J M2.1's own cut cannot copy): the part above
 * computes what the whole graph computes from the boundary's output, with the same layer names and parameters.
 */
class GraphCutTest {
    static ComputationGraph phaseTwo() {
        ComputationGraph plain = new TwoPhaseTest.BnBackbone().loadGraph();
        var cut = TwoPhaseTest.BnBackbone.CUTS.get(0);
        ComputationGraph g = TransferModel.surgery(plain, cut, HeadSpec.builder().hidden(new int[0]).dropout(0).build(), 3)
                .updater(new Sgd(1e-2)).seed(1).freezeUpTo("pool1").build();
        return BatchNormFreezer.freeze(g);
    }

    @Test
    void cutsAboveAFrozenAffineMapWhereDl4jCannot() {
        ComputationGraph g = phaseTwo();
        assertTrue(g.getLayer("bn2") instanceof FrozenLayerWithBackprop, g.getLayer("bn2").getClass().getName());
        ComputationGraph part = GraphCut.above(g, "pool1");
        assertEquals(List.of("pool1"), part.getConfiguration().getNetworkInputs());
        assertTrue(part.getConfiguration().getVertices().keySet().containsAll(List.of("conv2", "bn2")));
        assertTrue(!part.getConfiguration().getVertices().containsKey("conv1"));
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 16, 16);
        int index = g.getVertex("pool1").getVertexIndex();
        INDArray boundary = g.feedForward(new INDArray[] {x}, index, false).get("pool1");
        INDArray whole = g.outputSingle(false, x);
        INDArray above = part.outputSingle(false, boundary);
        assertTrue(whole.equalsWithEps(above, 1e-5), whole + " vs " + above);
        assertEquals(g.getLayer("conv2").params(), part.getLayer("conv2").params());
    }

    @Test
    void refusesAVertexThatIsNotThere() {
        ComputationGraph g = phaseTwo();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraphCut.above(g, "nope"));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }
}
