package org.transferkit.head;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.transferkit.TinyBackbone;
import org.transferkit.backbone.CutPoint;

class TransferModelTest {
    private final TinyBackbone backbone = new TinyBackbone(1);

    @Test
    void spatialCutGetsPoolingHeadAndFrozenBackbone() {
        ComputationGraph g = TransferModel.surgery(backbone.loadGraph(), backbone.cutPoint("conv2"),
                HeadSpec.builder().hidden(6).dropout(0.5).build(), 3).updater(new Adam(1e-3)).seed(1).build();
        assertFalse(g.getConfiguration().getVertices().containsKey("dense"), "old head must be removed");
        assertFalse(g.getConfiguration().getVertices().containsKey("out"));
        assertEquals(List.of(TransferModel.OUTPUT), g.getConfiguration().getNetworkOutputs());
        assertTrue(g.getLayer("conv1") instanceof FrozenLayer);
        assertTrue(g.getLayer("conv2") instanceof FrozenLayer);
        assertFalse(g.getLayer("tk_dense0") instanceof FrozenLayer);
        assertEquals(List.of("conv1", "pool1", "conv2"), TransferModel.frozenLayers(g));
        INDArray out = g.outputSingle(Nd4j.rand(2, 3, 16, 16));
        assertArrayEquals(new long[] {2, 3}, out.shape());
        assertEquals(2.0, out.sumNumber().doubleValue(), 1e-4);
    }

    @Test
    void flattenInsertsThePreprocessorAndVectorCutsNeedNone() {
        ComputationGraph flat = TransferModel.surgery(backbone.loadGraph(), backbone.cutPoint("conv2"),
                HeadSpec.builder().pooling(HeadSpec.Pooling.FLATTEN).hidden().build(), 2).updater(new Adam(1e-3)).build();
        assertArrayEquals(new long[] {4, 2}, flat.outputSingle(Nd4j.rand(4, 3, 16, 16)).shape());
        ComputationGraph vec = TransferModel.surgery(backbone.loadGraph(), backbone.cutPoint("dense"), HeadSpec.linear(),
                2).updater(new Adam(1e-3)).build();
        assertTrue(vec.getLayer("dense") instanceof FrozenLayer);
        assertArrayEquals(new long[] {1, 2}, vec.outputSingle(Nd4j.rand(1, 3, 16, 16)).shape());
    }

    @Test
    void badCutPointNamesListTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backbone.cutPoint("fc7"));
        assertTrue(e.getMessage().contains("'fc7'") && e.getMessage().contains("conv2, dense"), e.getMessage());
        CutPoint ghost = new CutPoint("ghost", "no_such_vertex", new long[] {4}, "");
        e = assertThrows(IllegalArgumentException.class, () -> TransferModel.surgery(backbone.loadGraph(), ghost,
                HeadSpec.linear(), 2).updater(new Adam(1e-3)).build());
        IllegalStateException noUpdater = assertThrows(IllegalStateException.class, () -> TransferModel.surgery(
                backbone.loadGraph(), backbone.cutPoint("dense"), HeadSpec.linear(), 2).build());
        assertTrue(noUpdater.getMessage().contains("updater"), noUpdater.getMessage());
        assertTrue(e.getMessage().contains("no_such_vertex"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HeadSpec.builder().dropout(1.0));
    }
}
