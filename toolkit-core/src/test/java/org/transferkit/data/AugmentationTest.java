package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.FineTuner;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;
import org.transferkit.model.EpochStats;
import org.transferkit.train.FineTune;

import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
class AugmentationTest {
    @TempDir
    Path tmp;

    private static int[] px(BufferedImage i) {
        return i.getRGB(0, 0, i.getWidth(), i.getHeight(), null, 0, i.getWidth());
    }

    @Test
    void sameSeedSameAugmentationOtherSeedOther() {
        BufferedImage img = TestImages.image("red", 40, new Random(1));
        InputShape s = new InputShape(3, 24, 24);
        Augmentation a = Augmentation.standard();
        assertArrayEquals(px(a.apply(img, s, new Random(5))), px(a.apply(img, s, new Random(5))));
        assertFalse(Arrays.equals(px(a.apply(img, s, new Random(5))), px(a.apply(img, s, new Random(6)))));
        assertEquals(24, a.apply(img, s, new Random(1)).getWidth());
        assertThrows(IllegalArgumentException.class, () -> Augmentation.builder().minCropArea(0));
    }

    @Test
    void letterboxKeepsTheWholeImageAndPads() {
        BufferedImage wide = new BufferedImage(40, 10, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = wide.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, 40, 10);
        g.dispose();
        BufferedImage out = ImageDecoder.resize(wide, new InputShape(3, 20, 20), Preprocessing.Resize.LETTERBOX);
        assertEquals(0x808080, out.getRGB(10, 0) & 0xFFFFFF, "padding above");
        assertEquals(0xFFFFFF, out.getRGB(0, 10) & 0xFFFFFF, "image spans the full width");
        assertEquals(0xFFFFFF, out.getRGB(19, 10) & 0xFFFFFF);
        assertEquals(Preprocessing.Resize.LETTERBOX, Preprocessing.Resize.parse("letterbox"));
        assertEquals(Preprocessing.Resize.CENTER_CROP, Preprocessing.Resize.parse("center-crop"));
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.Resize.parse("stretch"));
    }

    @Test
    void classWeightsEvenOutCountsAndReachTheLoss() {
        assertArrayEquals(new double[] {2.0, 2.0 / 3}, ClassBalance.weights(new int[] {10, 30}), 1e-12);
        assertTrue(ClassBalance.warning(new int[] {10, 31}).contains("3.1x"));
        assertEquals("", ClassBalance.warning(new int[] {10, 30}));
        TinyBackbone bb = new TinyBackbone(1);
        ComputationGraph g = TransferModel.surgery(bb.loadGraph(), bb.defaultCutPoint(), HeadSpec.linear(), 2)
                .updater(new Adam(1e-3)).seed(1).classWeights(new double[] {2.0, 0.5}).build();
        LossMCXENT loss = (LossMCXENT) ((BaseOutputLayer) g.getLayer(TransferModel.OUTPUT).conf().getLayer()).getLossFn();
        assertArrayEquals(new float[] {2f, 0.5f}, loss.getWeights().toFloatVector());
    }

    @Test
    void augmentedCopiesTrainReproducibly() throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp, 8, 2, "red", "blue")),
                0.25, 0, 1);
        FineTune s = FineTune.builder().epochs(2).batchSize(4).seed(3).augment(Augmentation.standard(), 2)
                .classWeights(true).preprocessing(Preprocessing.minusOneToOne().withResize(Preprocessing.Resize.LETTERBOX))
                .build();
        TrainedModel a = FineTuner.builder(new TinyBackbone(1)).settings(s).build().fit(split);
        TrainedModel b = FineTuner.builder(new TinyBackbone(1)).settings(s).build().fit(split);
        assertEquals(a.history().stream().map(EpochStats::trainLoss).toList(),
                b.history().stream().map(EpochStats::trainLoss).toList());
        assertEquals(12, a.trainImages(), "originals counted once");
        assertEquals(Preprocessing.Resize.LETTERBOX, a.preprocessing().resize());
        assertThrows(IllegalArgumentException.class, () -> FineTune.builder().augment(Augmentation.standard(), 0));
    }
}
