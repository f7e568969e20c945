package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.TestImages;

import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
class ImagePipelineTest {
    @TempDir
    Path tmp;

    @Test
    void batchesHaveShapeLabelsAndPathsAndCorruptFilesAreSkippedNotThrown() throws Exception {
        TestImages.folder(tmp, 5, 3, "red", "blue");
        Files.write(tmp.resolve("red/corrupt.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        Files.write(tmp.resolve("blue/empty.png"), new byte[0]);
        ImageDataset ds = ImageDataset.fromFolder(tmp);
        InputShape shape = new InputShape(3, 12, 10);
        int seen = 0;
        try (ImagePipeline p = ImagePipeline.builder(ds).shape(shape).preprocessing(Preprocessing.minusOneToOne())
                .batchSize(4).threads(2).build()) {
            for (int epoch = 0; epoch < 2; epoch++) {
                p.reset();
                seen = 0;
                while (p.hasNext()) {
                    DataSet b = p.next();
                    assertEquals(List.of((long) b.numExamples(), 3L, 12L, 10L),
                            Arrays.stream(b.getFeatures().shape()).boxed().toList());
                    assertEquals(2, b.getLabels().columns());
                    assertEquals(b.numExamples(), b.getExampleMetaData().size());
                    seen += b.numExamples();
                }
            }
            assertEquals(10, seen);
            List<SkippedFile> skipped = p.skipped();
            assertEquals(2, skipped.size(), skipped.toString());
            assertTrue(skipped.get(0).path().endsWith("blue/empty.png"));
            assertTrue(skipped.get(0).reason().contains("empty"), skipped.get(0).reason());
        }
    }

    @Test
    void preprocessingAppliesChannelOrderMeanAndStd() {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                img.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
            }
        }
        InputShape shape = new InputShape(3, 2, 2);
        float[] out = new float[shape.size()];
        ImageDecoder.toChw(img, shape, Preprocessing.caffe(), out, 0);
        // BGR order, caffe means subtracted, no scaling
        assertEquals(50 - 103.939f, out[0], 1e-3);
        assertEquals(100 - 116.779f, out[4], 1e-3);
        assertEquals(200 - 123.68f, out[8], 1e-3);
        ImageDecoder.toChw(img, shape, Preprocessing.minusOneToOne(), out, 0);
        assertEquals(200 / 255f * 2 - 1, out[0], 1e-5);
    }

    @Test
    void centerCropKeepsTheMiddle() {
        BufferedImage wide = new BufferedImage(30, 10, BufferedImage.TYPE_INT_RGB);
        for (int x = 10; x < 20; x++) {
            for (int y = 0; y < 10; y++) {
                wide.setRGB(x, y, 0xFFFFFF);
            }
        }
        BufferedImage out = ImageDecoder.resize(wide, new InputShape(3, 5, 5), Preprocessing.Resize.CENTER_CROP);
        assertEquals(0xFFFFFF, out.getRGB(0, 2) & 0xFFFFFF);
        assertEquals(0xFFFFFF, out.getRGB(4, 2) & 0xFFFFFF);
        BufferedImage squashed = ImageDecoder.resize(wide, new InputShape(3, 5, 5), Preprocessing.Resize.SQUASH);
        assertTrue((squashed.getRGB(0, 2) & 0xFF) < 60);
    }
}
