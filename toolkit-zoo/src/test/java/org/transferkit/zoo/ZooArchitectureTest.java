package org.transferkit.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.ModelFormatException;
import org.transferkit.WeightsException;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;
import org.transferkit.runtime.RuntimeOptions;

/** Every zoo architecture: built with random weights, every published cut point and block checked. */
class ZooArchitectureTest {
    @TempDir
    Path tmp;

    /** Published shapes at each architecture's own input size (from the init() graph, TransferKit's fixes applied). */
    static final Map<ZooArchitecture, String> FULL_SIZE = new LinkedHashMap<>();

    static {
        FULL_SIZE.put(ZooArchitecture.VGG16_NET, "block3_pool=256x28x28 block4_pool=512x14x14 block5_pool=512x7x7 fc1=4096 fc2=4096");
        FULL_SIZE.put(ZooArchitecture.VGG19_NET, "block3_pool=256x28x28 block4_pool=512x14x14 block5_pool=512x7x7 fc1=4096");
        FULL_SIZE.put(ZooArchitecture.RESNET50, "stem=64x55x55 stage2=256x55x55 stage3=512x28x28 stage4=1024x14x14 stage5=2048x7x7");
        FULL_SIZE.put(ZooArchitecture.DARKNET19, "conv13=512x14x14 conv18=1024x7x7");
        FULL_SIZE.put(ZooArchitecture.XCEPTION, "entry=728x19x19 middle=728x19x19 exit=2048x10x10 pooled=2048");
        FULL_SIZE.put(ZooArchitecture.INCEPTION_RESNET_V1,
                "resnetA=192x17x17 reduceA=576x8x8 resnetB=576x8x8 reduceB=1344x3x3 resnetC=1344x3x3");
        FULL_SIZE.put(ZooArchitecture.LENET, "conv1=20x14x14 conv2=50x7x7 fc=500");
        FULL_SIZE.put(ZooArchitecture.SIMPLE_CNN, "block1=16x24x24 block2=32x12x12 block3=64x6x6 block4=128x3x3");
        FULL_SIZE.put(ZooArchitecture.ALEXNET, "conv1=96x27x27 conv2=256x13x13 conv5=256x6x6 fc6=4096 fc7=4096");
    }

    /** Small inputs where the architecture allows one, so the forward pass stays cheap. */
    static InputShape small(ZooArchitecture a) {
        return switch (a) {
            case VGG16_NET, VGG19_NET -> new InputShape(3, 32, 32);
            case DARKNET19 -> new InputShape(3, 64, 64);
            case RESNET50, XCEPTION -> new InputShape(3, 96, 96);
            default -> a.input();
        };
    }

    static String shapes(List<CutPoint> cuts) {
        return cuts.stream().map(c -> c.name() + "=" + c.shapeText()).collect(Collectors.joining(" "));
    }

    @Test
    void publishedShapesAtFullSize() throws Exception {
        for (Map.Entry<ZooArchitecture, String> e : FULL_SIZE.entrySet()) {
            ZooBackbone b = ZooBackbone.untrained(e.getKey(), e.getKey().input());
            assertEquals(e.getValue(), shapes(b.cutPoints()), e.getKey().id());
            assertTrue(b.cutPoints().contains(b.defaultCutPoint()));
            assertTrue(!b.blocks().isEmpty(), e.getKey().id() + " publishes its blocks");
        }
        assertEquals(ZooArchitecture.values().length - 1, FULL_SIZE.size(), "every architecture but NASNet is listed");
    }

    @Test
    void everyArchitectureBuildsAndEveryCutPointAndBlockHasItsShape() throws Exception {
        for (ZooArchitecture a : FULL_SIZE.keySet()) {
            InputShape in = small(a);
            ZooBackbone b = ZooBackbone.untrained(a, in);
            ComputationGraph g = b.loadGraph();
            try {
                Map<String, INDArray> acts = g.feedForward(Nd4j.rand(new long[] {1, in.channels(), in.height(), in.width()}),
                        false);
                for (List<CutPoint> list : List.of(b.cutPoints(), b.blocks())) {
                    for (CutPoint c : list) {
                        INDArray act = acts.get(c.vertex());
                        assertTrue(act != null, a.id() + " " + c.name() + ": no vertex " + c.vertex());
                        assertArrayEquals(c.outputShape(), Arrays.copyOfRange(act.shape(), 1, act.rank()),
                                a.id() + " " + c.name());
                    }
                }
            } finally {
                g.close();
            }
        }
    }

    @Test
    void nasnetCannotBeBuiltWithRandomWeightsInThisDl4jAndSaysSo() {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ZooBackbone.untrained(ZooArchitecture.NASNET, ZooArchitecture.NASNET.input()));
        assertTrue(e.getMessage().contains("DL4J cannot build nasnet"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BackboneCatalog.open("nasnet-untrained", null, 0));
    }

    @Test
    void cutPointsResolveInAGraphWhoseVerticesAreNamedDifferently() throws Exception {
        // DL4J's pretrained zips name vertices Keras' way ("block5_pool", "fc2"); init() names VGG's "0".."20".
        InputShape in = small(ZooArchitecture.VGG16_NET);
        ComputationGraphConfiguration init = ZooArchitecture.VGG16_NET.initConfiguration(in);
        ComputationGraph renamed = new ComputationGraph(renamed(init, "keras_"));
        renamed.init();
        Path zip = tmp.resolve(ZooArchitecture.VGG16_NET.weights().fileName());
        ModelSerializer.writeModel(renamed, zip.toFile(), false);
        ZooBackbone random = ZooBackbone.untrained(ZooArchitecture.VGG16_NET, in);
        ZooBackbone pre = ZooBackbone.pretrained(ZooArchitecture.VGG16_NET, zip, in);
        assertEquals(shapes(random.cutPoints()), shapes(pre.cutPoints()));
        assertEquals(shapes(random.blocks()), shapes(pre.blocks()));
        for (int i = 0; i < pre.cutPoints().size(); i++) {
            assertEquals("keras_" + random.cutPoints().get(i).vertex(), pre.cutPoints().get(i).vertex());
        }
        assertEquals("keras_17", pre.cutPoint("block5_pool").vertex());
        ComputationGraph g = pre.loadGraph();
        INDArray x = Nd4j.rand(new long[] {2, 3, 32, 32});
        assertEquals(renamed.outputSingle(x), g.outputSingle(x), "the zip's own weights are loaded");
        assertNotEquals("random(dl4j-zoo-init)", pre.weightsId());
    }

    /** The same graph with every vertex renamed. */
    static ComputationGraphConfiguration renamed(ComputationGraphConfiguration c, String prefix) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder();
        for (String in : c.getNetworkInputs()) {
            b.addInputs(prefix + in);
        }
        for (String v : Locator.topologicalOrder(c)) {
            if (c.getVertices().containsKey(v)) {
                var gv = c.getVertices().get(v).clone();
                if (gv instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                    lv.getLayerConf().getLayer().setLayerName(prefix + v); // DL4J looks layers up by this name
                }
                b.addVertex(prefix + v, gv,
                        c.getVertexInputs().get(v).stream().map(s -> prefix + s).toArray(String[]::new));
            }
        }
        return b.setOutputs(c.getNetworkOutputs().stream().map(s -> prefix + s).toArray(String[]::new)).build();
    }

    @Test
    void missingZooWeightsNameEveryPlaceTheFileAndTheUrl() {
        RuntimeOptions options = RuntimeOptions.builder().weightsDir(tmp.resolve("cache"))
                .dl4jModelsDir(tmp.resolve("dl4j").resolve("models")).build();
        WeightsException e = assertThrows(WeightsException.class, () -> BackboneCatalog.open("resnet50", null, 0, options));
        String m = e.getMessage();
        assertTrue(m.contains("models/resnet50_dl4j_inference.v3.zip"), m);
        assertTrue(m.contains(tmp.resolve("cache").resolve("resnet50_dl4j_inference.v3.zip").toString()), m);
        assertTrue(m.contains(tmp.resolve("dl4j").resolve("models").toString()), m);
        assertTrue(m.contains("https://dl4jdata.blob.core.windows.net/models/resnet50_dl4j_inference.v3.zip"), m);
        assertTrue(m.contains("weights folder " + tmp.resolve("cache").toAbsolutePath()) && !m.contains("--"), m);
    }

    @Test
    void mirrorBaseUrlReplacesDl4jsHost() {
        ZooWeights w = ZooArchitecture.DARKNET19.weights();
        assertEquals("https://dl4jdata.blob.core.windows.net/models/darknet19_dl4j_inference.v2.zip",
                w.downloadUri((String) null).toString());
        assertEquals(691100891L, w.adler32());
        assertEquals("http://127.0.0.1:8080/mirror/darknet19_dl4j_inference.v2.zip",
                w.downloadUri("http://127.0.0.1:8080/mirror").toString());
        assertThrows(IllegalArgumentException.class, () -> w.downloadUri("ftp://x/"));
        assertEquals(w.url(), w.downloadUri(RuntimeOptions.defaults()).toString(), "DL4J's URL by default");
        assertEquals("http://127.0.0.1:8080/mirror/darknet19_dl4j_inference.v2.zip", w.downloadUri(
                RuntimeOptions.builder().zooBaseUrl("http://127.0.0.1:8080/mirror/").build()).toString());
        assertEquals(Path.of("/dl4j/models").resolve(w.modelName()),
                w.dl4jCacheDir(RuntimeOptions.builder().dl4jModelsDir(Path.of("/dl4j/models")).build()));
    }

    @Test
    void unknownNamesAreRefusedWithTheValidOnes() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackboneCatalog.open("vgg15", null, 0));
        assertTrue(e.getMessage().contains("vgg16") && e.getMessage().contains("resnet50-untrained"), e.getMessage());
        ZooBackbone b = ZooBackbone.untrained(ZooArchitecture.DARKNET19, small(ZooArchitecture.DARKNET19));
        e = assertThrows(IllegalArgumentException.class, () -> b.cutPoint("conv19"));
        assertTrue(e.getMessage().contains("valid: conv13, conv18"), e.getMessage());
    }
}
