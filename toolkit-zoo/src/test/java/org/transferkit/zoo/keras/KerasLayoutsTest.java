package org.transferkit.zoo.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;
import org.transferkit.zoo.ZooArchitecture;
import org.transferkit.zoo.ZooBackboneAccess;

import org.transferkit.zoo.KerasLayouts;
/** keras.applications VGG16 and ResNet50 layouts, in files the test writes with the real layer names and shapes. */
class KerasLayoutsTest {
    @TempDir
    Path tmp;

    /** The Keras datasets (name -> Keras shape) that fill every mapped layer of {@code g}. */
    static Map<String, long[]> kerasDatasets(ComputationGraph g, List<KerasWeights.Mapping> mapping, boolean withTop) {
        Map<String, long[]> ds = new LinkedHashMap<>();
        for (KerasWeights.Mapping m : mapping) {
            if (m.optional() && !withTop) {
                continue;
            }
            Layer l = g.getLayer(m.vertex());
            String p = m.keras() + "/" + m.keras() + "/";
            switch (m.kind()) {
                case CONV -> {
                    long[] w = l.getParam("W").shape(); // out, in, kh, kw
                    ds.put(p + "kernel:0", new long[] {w[2], w[3], w[1], w[0]});
                    ds.put(p + "bias:0", new long[] {w[0]});
                }
                case DENSE, DENSE_AFTER_FLATTEN -> {
                    ds.put(p + "kernel:0", l.getParam("W").shape());
                    ds.put(p + "bias:0", new long[] {l.getParam("W").size(1)});
                }
                case BATCH_NORM -> {
                    long c = l.getParam("gamma").length();
                    for (String n : List.of("gamma:0", "beta:0", "moving_mean:0", "moving_variance:0")) {
                        ds.put(p + n, new long[] {c});
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        return ds;
    }

    @Test
    void vgg16NoTopPlusFc1LoadsWithKerasFlattenOrderAndHidesUntrainedCutPoints() throws Exception {
        InputShape in = new InputShape(3, 64, 64); // block5_pool is 512x2x2, so the flatten order matters
        ComputationGraph init = ZooBackboneAccess.untrained(ZooArchitecture.VGG16_NET, in).loadGraph();
        List<KerasWeights.Mapping> mapping = KerasLayouts.vgg(init.getConfiguration(), new int[] {2, 2, 3, 3, 3});
        assertEquals(13 + 3, mapping.size());
        Map<String, long[]> ds = kerasDatasets(init, mapping, false);
        ds.put("fc1/fc1/kernel:0", new long[] {2 * 2 * 512, 4096});
        ds.put("fc1/fc1/bias:0", new long[] {4096});
        Path h5 = tmp.resolve("vgg16_weights_tf_dim_ordering_tf_kernels_notop_plus_fc1.h5");
        KerasWeightsTest.writeH5(h5, ds);

        Backbone b = ZooBackboneAccess.pretrained(ZooArchitecture.VGG16_NET, h5, in);
        assertEquals(List.of("block3_pool", "block4_pool", "block5_pool", "fc1"),
                b.cutPoints().stream().map(CutPoint::name).toList(), "fc2 has no weights in the file, so it is not offered");
        ComputationGraph g = b.loadGraph();
        // Keras flattens (h, w, c); DL4J (c, h, w). Keras row (h=1, w=0, c=3) = (1*2+0)*512+3 = 1027
        INDArray w = g.getLayer(b.cutPoint("fc1").vertex()).getParam("W");
        assertEquals(1027 * 4096 + 5, Math.round(w.getFloat(3 * 4 + 1 * 2 + 0, 5) / 0.01f), 2);
        // block1_conv1 kernel [kh=0][kw=1][in=2][out=7] is element ((0*3+1)*3+2)*64+7 = 327
        INDArray c1 = g.getLayer(mapping.get(0).vertex()).getParam("W");
        assertEquals(327 * 0.01f, c1.getFloat(7, 2, 0, 1), 1e-4);
        g.close();
        init.close();
    }

    @Test
    void resnet50NoTopLoadsEveryConvAndBatchNormByName() throws Exception {
        InputShape in = new InputShape(3, 96, 96);
        ComputationGraph init = ZooBackboneAccess.untrained(ZooArchitecture.RESNET50, in).loadGraph();
        List<KerasWeights.Mapping> mapping = KerasLayouts.resnet50();
        assertEquals(2 + 16 * 6 + 4 * 2 + 1, mapping.size(), "stem conv+bn, 16 blocks x 3 conv+bn, 4 shortcuts, fc1000");
        Path h5 = tmp.resolve("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5");
        KerasWeightsTest.writeH5(h5, kerasDatasets(init, mapping, false));
        Backbone b = ZooBackboneAccess.pretrained(ZooArchitecture.RESNET50, h5, in);
        assertEquals("stem stage2 stage3 stage4 stage5",
                String.join(" ", b.cutPoints().stream().map(CutPoint::name).toList()));
        ComputationGraph g = b.loadGraph();
        long expected = mapping.stream().filter(m -> !m.optional()).mapToLong(m -> g.getLayer(m.vertex()).numParams()).sum();
        assertTrue(expected > 23_000_000, "the full ResNet50 body: " + expected);
        INDArray var = g.getLayer("bn5c_branch2c").getParam("var");
        assertEquals(2048, var.length());
        assertEquals(var.getFloat(0) + 0.03f, var.getFloat(3), 1e-3, "moving_variance copied in order");
        g.close();
        init.close();
    }

    @Test
    void batchNormUsesKerasStatisticsAtInference() throws Exception {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(4, 4, 2))
                .addLayer("c", new ConvolutionLayer.Builder(1, 1).nOut(2).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().useLogStd(false).eps(1e-3).build(), "c")
                .addLayer("gp", new GlobalPoolingLayer.Builder().build(), "bn")
                .addLayer("out", new OutputLayer.Builder().nOut(2).build(), "gp")
                .setOutputs("out").build());
        g.init();
        Path h5 = tmp.resolve("bn.h5");
        KerasWeightsTest.writeH5(h5, Map.of("c/c/kernel:0", new long[] {1, 1, 2, 2}, "c/c/bias:0", new long[] {2},
                "bn/bn/gamma:0", new long[] {2}, "bn/bn/beta:0", new long[] {2},
                "bn/bn/moving_mean:0", new long[] {2}, "bn/bn/moving_variance:0", new long[] {2}));
        KerasWeights.load(h5, g, List.of(new KerasWeights.Mapping("c", "c", KerasWeights.Kind.CONV),
                new KerasWeights.Mapping("bn", "bn", KerasWeights.Kind.BATCH_NORM)));
        INDArray x = Nd4j.rand(new long[] {1, 2, 4, 4});
        Map<String, INDArray> acts = g.feedForward(x, false);
        double conv = acts.get("c").getDouble(0, 1, 2, 3);
        // gamma = beta = mean = var = [0, 0.01]: channel 1 -> 0.01 * (x - 0.01) / sqrt(0.01 + 1e-3) + 0.01
        double want = 0.01 * (conv - 0.01) / Math.sqrt(0.01 + 1e-3) + 0.01;
        assertEquals(want, acts.get("bn").getDouble(0, 1, 2, 3), 1e-5);
        assertFalse(Double.isNaN(want));
    }
}
