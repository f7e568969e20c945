package org.transferkit.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.transferkit.backbone.Backbone;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.zoo.BackboneCatalog;

/** Which layers the {@code partial_step} benchmark trains: the same boundary phase 2 picks (no timing asserted). */
class PartialStepTest {
    @Test
    void squeezeNetTrainsFire8Fire9AndTheHead() throws Exception {
        Backbone b = BackboneCatalog.open("squeezenet-untrained", null, 1, RuntimeOptions.defaults());
        int blocks = PartialStep.defaultBlocks("squeezenet-untrained");
        assertEquals(2, blocks);
        ComputationGraph g = PartialStep.build(b, blocks, RuntimeOptions.defaults());
        assertEquals("fire7", PartialStep.boundary(b, g, b.defaultCutPoint(), blocks));
        assertEquals(List.of("fire8_sq1x1", "fire8_exp1x1", "fire8_exp3x3", "fire9_sq1x1", "fire9_exp1x1", "fire9_exp3x3",
                "tk_output"), PartialStep.trainable(g));
        g.close();
    }

    @Test
    void oneBlockOfAStackedCnnIsItsLastBlock() throws Exception {
        Backbone b = BackboneCatalog.open("simplecnn", null, 1, RuntimeOptions.defaults());
        ComputationGraph g = b.loadGraph();
        assertEquals(b.blocks().get(2).vertex(), PartialStep.boundary(b, g, b.defaultCutPoint(), 1));
        assertEquals(b.blocks().get(0).vertex(), PartialStep.boundary(b, g, b.defaultCutPoint(), 3));
        assertEquals(1, PartialStep.defaultBlocks("vgg16-untrained"));
        assertEquals(1, PartialStep.defaultBlocks("resnet50"));
    }

    @Test
    void refusesNoBlockOrEveryBlock() throws Exception {
        Backbone b = BackboneCatalog.open("simplecnn", null, 1, RuntimeOptions.defaults());
        ComputationGraph g = b.loadGraph();
        assertThrows(IllegalArgumentException.class, () -> PartialStep.boundary(b, g, b.defaultCutPoint(), 0));
        assertThrows(IllegalArgumentException.class, () -> PartialStep.boundary(b, g, b.defaultCutPoint(), 4));
    }
}
