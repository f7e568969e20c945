package org.transferkit.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;

class DemoBackboneTest {
    private static void cutPointsMatchTheGraph(Backbone b) throws Exception {
        ComputationGraph g = b.loadGraph();
        INDArray in = Nd4j.rand(new long[] {2, 3, DemoShapes.SIZE, DemoShapes.SIZE});
        Map<String, INDArray> acts = g.feedForward(in, false);
        for (CutPoint c : b.cutPoints()) {
            INDArray a = acts.get(c.vertex());
            assertTrue(a != null, "cut point " + c.name() + " -> missing vertex " + c.vertex());
            long[] perExample = Arrays.copyOfRange(a.shape(), 1, a.shape().length);
            assertArrayEquals(c.outputShape(), perExample, "shape of cut point " + c.name());
        }
        g.close();
    }

    @Test
    void publishedCutPointsHoldForThePretrainedAndTheUntrainedGraph() throws Exception {
        DemoBackbone pretrained = DemoBackbone.pretrained();
        assertEquals(64, pretrained.weightsId().length(), "sha256 of the committed weights");
        cutPointsMatchTheGraph(pretrained);
        cutPointsMatchTheGraph(DemoBackbone.untrained(3));
        assertEquals("pooled", pretrained.defaultCutPoint().name());
    }

    @Test
    void pretrainedWeightsRecogniseTheSourceTask() throws Exception {
        // the committed weights must actually be pretrained: far above chance (1/6) on fresh source images
        ComputationGraph g = DemoBackbone.pretrained().loadGraph();
        java.util.Random rnd = new java.util.Random(99);
        int right = 0;
        int n = 0;
        for (int c = 0; c < DemoShapes.Task.SOURCE.classes().size(); c++) {
            for (int i = 0; i < 10; i++) {
                float[] x = new float[DemoBackbone.INPUT.size()];
                org.transferkit.data.ImageDecoder.toChw(DemoShapes.draw(DemoShapes.Task.SOURCE.classes().get(c), rnd),
                        DemoBackbone.INPUT, DemoBackbone.pretrained().preprocessing(), x, 0);
                INDArray out = g.outputSingle(false, Nd4j.create(x, new long[] {1, 3, DemoShapes.SIZE, DemoShapes.SIZE}));
                right += out.argMax(1).getInt(0) == c ? 1 : 0;
                n++;
            }
        }
        assertTrue(right / (double) n > 0.6, "source-task accuracy " + right / (double) n);
    }

    @Test
    void catalogRefusesUnknownNamesWithTheList() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackboneCatalog.open("resnet9000", null, 0));
        assertTrue(e.getMessage().contains("demo, demo-untrained"), e.getMessage());
    }
}
