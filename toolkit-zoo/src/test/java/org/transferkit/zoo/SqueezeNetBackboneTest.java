package org.transferkit.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.WeightsException;
import org.transferkit.backbone.CutPoint;
import org.transferkit.runtime.RuntimeOptions;

class SqueezeNetBackboneTest {
    @Test
    void convolutionsAreLinearAndCutPointsMatchTheGraph() throws Exception {
        long convs = SqueezeNetBackbone.architecture().getVertices().values().stream()
                .filter(v -> v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof ConvolutionLayer)
                .peek(v -> assertTrue(((ConvolutionLayer) ((LayerVertex) v).getLayerConf().getLayer()).getActivationFn()
                        instanceof ActivationIdentity, "DL4J's zoo default (sigmoid) must be replaced"))
                .count();
        assertEquals(25 + 1, convs, "25 mapped convolutions (conv1, 8 fire modules x 3) plus the top conv10");
        SqueezeNetBackbone b = SqueezeNetBackbone.untrained();
        ComputationGraph g = b.loadGraph();
        Map<String, INDArray> acts = g.feedForward(Nd4j.rand(new long[] {1, 3, 227, 227}), false);
        for (CutPoint c : b.cutPoints()) {
            INDArray a = acts.get(c.vertex());
            assertArrayEquals(c.outputShape(), Arrays.copyOfRange(a.shape(), 1, a.shape().length), c.name());
        }
        for (var m : SqueezeNetBackbone.kerasMapping()) {
            assertTrue(g.getLayer(m.vertex()) != null, m.vertex());
        }
    }

    @Test
    void missingWeightsNameEveryPlaceLookedAndTheSource() {
        WeightsException e = assertThrows(WeightsException.class,
                () -> SqueezeNetBackbone.pretrained(Path.of("/nowhere/sq.h5")));
        assertTrue(e.getMessage().contains("/nowhere/sq.h5") && e.getMessage().contains("keras-squeezenet"), e.getMessage());
        RuntimeOptions options = RuntimeOptions.builder().weightsDir(Path.of("/tmp/no-such-cache")).build();
        e = assertThrows(WeightsException.class, () -> SqueezeNetBackbone.pretrained(null, options));
        assertTrue(e.getMessage().contains("models/" + SqueezeNetBackbone.KERAS_FILE)
                && e.getMessage().contains("/tmp/no-such-cache/" + SqueezeNetBackbone.KERAS_FILE), e.getMessage());
    }

    @Tag("real-data")
    @Test
    void realKerasWeightsLoadCompletely() throws Exception {
        Path h5 = org.transferkit.zoo.SharedFiles.require("weights/keras/" + SqueezeNetBackbone.KERAS_FILE);
        SqueezeNetBackbone b = SqueezeNetBackbone.pretrained(h5);
        assertEquals("2d935d8c102ad1232484a77da8e6fbdf3ff4ab608974a0d8b6283115ffff204f", b.weightsId());
        ComputationGraph g = b.loadGraph(); // throws if any layer is missing, unexpected or misshapen
        long params = SqueezeNetBackbone.kerasMapping().stream().mapToLong(m -> g.getLayer(m.vertex()).numParams()).sum();
        assertEquals(722_496, params, "every parameter of the 50 datasets in the file");
    }
}
