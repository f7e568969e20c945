package org.transferkit.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.model.LeNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.ModelFormatException;
import org.transferkit.WeightsException;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;

class CustomBackboneTest {
    @TempDir
    Path tmp;

    @Test
    void aSavedGraphServesWithAnyOfItsVerticesAsCutPoint() throws Exception {
        Path zip = tmp.resolve("mine.zip");
        ComputationGraph g = new ComputationGraph(DemoBackbone.architecture(5, 3));
        g.init();
        ModelSerializer.writeModel(g, zip.toFile(), false);
        CustomBackbone b = CustomBackbone.open(zip, new InputShape(3, 32, 32), null);
        assertEquals("fc", b.defaultCutPoint().name(), "the layer feeding the output layer");
        assertEquals("64x4x4", b.cutPoint("conv4").shapeText());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.cutPoint("conv9"));
        assertTrue(e.getMessage().contains("valid: conv1, pool1, conv2, pool2, conv3, pool3, conv4, pooled, fc"),
                e.getMessage());
        INDArray x = Nd4j.rand(new long[] {2, 3, 32, 32});
        assertEquals(g.outputSingle(x), b.loadGraph().outputSingle(x));
    }

    @Test
    void aSavedMultiLayerNetworkBecomesAChainWithItsWeights() throws Exception {
        MultiLayerNetwork net = (MultiLayerNetwork) LeNet.builder().numClasses(3).build().init();
        Path zip = tmp.resolve("lenet.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        CustomBackbone b = CustomBackbone.open(zip, new InputShape(1, 28, 28), null);
        CutPoint cut = b.cutPoint("maxpool2");
        assertEquals("50x7x7", cut.shapeText());
        assertEquals("ffn1", b.defaultCutPoint().name());
        INDArray x = Nd4j.rand(new long[] {2, 1, 28, 28});
        ComputationGraph g = b.loadGraph();
        assertTrue(net.output(x).equalsWithEps(g.outputSingle(x), 1e-5));
    }

    @Test
    void badFilesAreNamed() throws Exception {
        assertThrows(WeightsException.class, () -> CustomBackbone.open(tmp.resolve("none.zip"), null, null));
        Path notZip = tmp.resolve("x.zip");
        Files.writeString(notZip, "no");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> CustomBackbone.open(notZip, null, null));
        assertTrue(e.getMessage().contains(notZip.toAbsolutePath().toString()), e.getMessage());
    }
}
