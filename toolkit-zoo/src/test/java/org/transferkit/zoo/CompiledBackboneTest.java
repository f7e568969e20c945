package org.transferkit.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;
import org.transferkit.engine.CompiledGraph;
import org.transferkit.engine.Engine;

/**
 * The compiled engine against DL4J on the real zoo graphs (random weights, batch norm statistics
 * randomized so folding them is really tested): every cut point of SqueezeNet, ResNet50, VGG16,
 * Darknet19, Xception, LeNet and SimpleCNN gives the same activations within float tolerance.
 */
class CompiledBackboneTest {
    /** Max |engine - DL4J| relative to max |DL4J|. */
    static final double TOLERANCE = 2e-4;

    static void randomizeBatchNorm(ComputationGraph g) {
        Nd4j.getRandom().setSeed(7);
        for (Layer l : g.getLayers()) {
            if (l instanceof BatchNormalization bn) {
                long c = bn.getParam("mean").length();
                bn.setParam("mean", Nd4j.randn(new long[] {1, c}).muli(0.3).reshape(bn.getParam("mean").shape()));
                String s = bn.paramTable().containsKey("log10stdev") ? "log10stdev" : "var";
                INDArray v = s.equals("var") ? Nd4j.rand(new long[] {1, c}).addi(0.5) : Nd4j.rand(new long[] {1, c}).subi(0.5).muli(0.4);
                bn.setParam(s, v.reshape(bn.getParam(s).shape()));
                if (bn.paramTable().containsKey("gamma")) {
                    bn.setParam("gamma", Nd4j.rand(new long[] {1, c}).muli(0.3).addi(0.2).reshape(bn.getParam("gamma").shape()));
                    bn.setParam("beta", Nd4j.randn(new long[] {1, c}).muli(0.2).reshape(bn.getParam("beta").shape()));
                }
            }
        }
    }

    static double relativeError(INDArray engine, INDArray dl4j) {
        double scale = Math.max(1e-6, dl4j.amaxNumber().doubleValue());
        return engine.sub(dl4j).amaxNumber().doubleValue() / scale;
    }

    /**
     * DL4J's feedForward map holds a vertex's activations after an ActivationLayer that reads it ran in
     * place on them (Xception's residual adds feed a ReLU layer): apply that activation to the engine's
     * output too, so both sides show the same thing. The whole network's output is compared unaltered.
     */
    static INDArray inPlace(ComputationGraph g, String vertex, INDArray y) {
        for (var e : g.getConfiguration().getVertexInputs().entrySet()) {
            if (e.getValue().contains(vertex) && g.getConfiguration().getVertices().get(e.getKey())
                    instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer a) {
                return a.getActivationFn().getActivation(y.dup(), false);
            }
        }
        return y;
    }

    static List<String> check(Backbone b, int batch) throws Exception {
        return check(b, batch, Engine.Executor.ONEDNN);
    }

    static List<String> check(Backbone b, int batch, Engine.Executor executor) throws Exception {
        List<String> report = new ArrayList<>();
        ComputationGraph g = b.loadGraph();
        try {
            randomizeBatchNorm(g);
            InputShape in = b.inputShape();
            Nd4j.getRandom().setSeed(3);
            INDArray x = Nd4j.rand(new long[] {batch, in.channels(), in.height(), in.width()}).muli(2).subi(1);
            Map<String, INDArray> acts = g.feedForward(x, false);
            for (CutPoint c : b.cutPoints()) {
                try (CompiledGraph cg = CompiledGraph.compile(g, c.vertex(), in, executor)) {
                    INDArray y = inPlace(g, c.vertex(), cg.output(x));
                    INDArray ref = acts.get(c.vertex());
                    assertArrayEquals(ref.shape(), y.shape(), b.id() + " " + c.name());
                    double err = relativeError(y, ref);
                    assertTrue(err < TOLERANCE, b.id() + " " + c.name() + ": relative error " + err + " max |dl4j| "
                            + ref.amaxNumber() + " max |engine| " + y.amaxNumber() + " NaNs " + y.isNaN().castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber() + " ref NaNs "
                            + ref.isNaN().castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber());
                    report.add(c.name() + "=" + String.format(java.util.Locale.ROOT, "%.1e", err));
                }
            }
            String out = g.getConfiguration().getNetworkOutputs().get(0);
            try (CompiledGraph cg = CompiledGraph.compile(g, out, in, executor)) {
                double err = relativeError(cg.output(x), g.output(false, x)[0]);
                assertTrue(err < TOLERANCE, b.id() + " whole network: relative error " + err);
                report.add("output=" + String.format(java.util.Locale.ROOT, "%.1e", err));
            } catch (UnsupportedOperationException e) {
                report.add("output: not covered (" + e.getMessage().substring(0, e.getMessage().indexOf(':')) + ")");
            }
        } finally {
            g.close();
        }
        return report;
    }

    @Test
    void everyCutPointOfTheCoveredZooGraphsMatchesDl4j() throws Exception {
        for (ZooArchitecture a : List.of(ZooArchitecture.RESNET50, ZooArchitecture.VGG16_NET, ZooArchitecture.DARKNET19,
                ZooArchitecture.XCEPTION, ZooArchitecture.LENET, ZooArchitecture.SIMPLE_CNN)) {
            List<String> r = check(ZooBackbone.untrained(a, ZooArchitectureTest.small(a)), 2);
            assertEquals(ZooBackbone.untrained(a, ZooArchitectureTest.small(a)).cutPoints().size() + 1, r.size(), a.id());
            System.out.println(a.id() + ": " + r);
        }
    }

    @Test
    void squeezeNetMatchesDl4jAtEveryCutPoint() throws Exception {
        List<String> r = check(BackboneCatalog.open("squeezenet-untrained", null, 1), 3);
        assertTrue(!r.isEmpty());
        System.out.println("squeezenet: " + r);
    }

    @Test
    void graphsWithLayersTheEngineDoesNotRunAreRefusedNamingTheVertex() throws Exception {
        ZooBackbone x = ZooBackbone.untrained(ZooArchitecture.ALEXNET, ZooArchitecture.ALEXNET.input());
        ComputationGraph g = x.loadGraph();
        try {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> CompiledGraph.compile(g, x.defaultCutPoint().vertex(), x.inputShape()));
            assertTrue(e.getMessage().startsWith("vertex '") && e.getMessage().contains("LocalResponseNormalization"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("supported:"), e.getMessage());
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> CompiledGraph.compile(g, "no-such-vertex", x.inputShape()));
            assertTrue(bad.getMessage().contains("no-such-vertex"));
        } finally {
            g.close();
        }
        assertTrue(Arrays.asList(ZooArchitecture.values()).contains(ZooArchitecture.ALEXNET));
    }

    /** The ND4J-operations executor (cuDNN on the CUDA backend) on the same graphs, on the CPU here. */
    @Test
    void theNd4jOperationsExecutorMatchesDl4jOnTheZooGraphs() throws Exception {
        for (ZooArchitecture a : List.of(ZooArchitecture.RESNET50, ZooArchitecture.XCEPTION, ZooArchitecture.DARKNET19)) {
            System.out.println(a.id() + " (nd4j): " + check(ZooBackbone.untrained(a, ZooArchitectureTest.small(a)), 2,
                    Engine.Executor.ND4J));
        }
        System.out.println("squeezenet (nd4j): " + check(BackboneCatalog.open("squeezenet-untrained", null, 1), 2,
                Engine.Executor.ND4J));
    }
}
