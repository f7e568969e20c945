package org.transferkit.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.FineTuner;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.head.HeadSpec;
import org.transferkit.train.FineTune;

class ExplainerTest {
    @TempDir
    Path tmp;

    private Path bundle(HeadSpec head) throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp.resolve("d"), 8, 1,
                "red", "blue")), 0.25, 0, 3);
        FineTune s = FineTune.builder().epochs(3).learningRate(0.01).head(head).build();
        Path f = tmp.resolve("m.zip");
        try (TrainedModel r = FineTuner.builder(new TinyBackbone(1)).settings(s).build().fit(split)) {
            r.save(f, Map.of());
        }
        return f;
    }

    @Test
    void withALinearHeadGradCamIsTheClassActivationMap() throws Exception {
        Path f = bundle(HeadSpec.linear());
        Path img = Files.list(tmp.resolve("d/red")).sorted().findFirst().orElseThrow();
        try (Explainer ex = Explainer.load(f); ClassifierBundle b = ClassifierBundle.load(f)) {
            assertEquals("conv2", ex.gradCamLayer());
            Explainer.HeatMap h = ex.gradCam(img, "blue");
            int blue = b.manifest().labels().indexOf("blue");
            assertEquals(blue, h.index());
            // CAM (Zhou et al.): relu(sum_k W[k, c] A_k), since d logit_c / d A_k(i, j) = W[k, c] / (h w)
            ComputationGraph g = b.graph();
            float[] x = new float[TinyBackbone.INPUT.size()];
            org.transferkit.data.ImageDecoder.decodeToChw(img, TinyBackbone.INPUT, b.manifest().preprocessing()
                    .toPreprocessing(), x, 0);
            Map<String, INDArray> acts = g.feedForward(org.transferkit.data.Tensors.nchw(x, 1, TinyBackbone.INPUT), false);
            INDArray a = acts.get("conv2");
            INDArray w = g.getLayer("tk_output").getParam("W");
            float[][] cam = new float[8][8];
            for (int y = 0; y < 8; y++) {
                for (int xx = 0; xx < 8; xx++) {
                    double v = 0;
                    for (int k = 0; k < 8; k++) {
                        v += w.getDouble(k, blue) * a.getDouble(0, k, y, xx);
                    }
                    cam[y][xx] = (float) Math.max(0, v);
                }
            }
            Render.normalise(cam);
            for (int y = 0; y < 8; y++) {
                for (int xx = 0; xx < 8; xx++) {
                    assertEquals(cam[y][xx], h.map()[y][xx], 1e-4);
                }
            }
            assertTrue(h.overlay().getWidth() >= 256);
        }
    }

    @Test
    void theGradientThroughAHiddenLayerMatchesFiniteDifferences() throws Exception {
        Path f = bundle(HeadSpec.builder().hidden(6).dropout(0.3).build());
        Path img = Files.list(tmp.resolve("d/blue")).sorted().findFirst().orElseThrow();
        try (ClassifierBundle b = ClassifierBundle.load(f)) {
            ComputationGraph g = b.graph();
            float[] x = new float[TinyBackbone.INPUT.size()];
            org.transferkit.data.ImageDecoder.decodeToChw(img, TinyBackbone.INPUT, b.manifest().preprocessing()
                    .toPreprocessing(), x, 0);
            Map<String, INDArray> acts = g.feedForward(org.transferkit.data.Tensors.nchw(x, 1, TinyBackbone.INPUT), false);
            GradCam.Chain chain = new GradCam.Chain("conv2", List.of("tk_output", "tk_dense0", "tk_pool"));
            INDArray grad = GradCam.gradient(g, chain, acts, 0);
            INDArray a = acts.get("conv2").dup();
            double eps = 1e-2;
            for (int[] at : new int[][] {{0, 1, 2}, {3, 4, 5}, {7, 7, 0}}) {
                INDArray plus = a.dup();
                plus.putScalar(new long[] {0, at[0], at[1], at[2]}, a.getDouble(0, at[0], at[1], at[2]) + eps);
                INDArray minus = a.dup();
                minus.putScalar(new long[] {0, at[0], at[1], at[2]}, a.getDouble(0, at[0], at[1], at[2]) - eps);
                double fd = (logit(g, plus, 0) - logit(g, minus, 0)) / (2 * eps);
                assertEquals(fd, grad.getDouble(0, at[0], at[1], at[2]), 1e-3 + 1e-2 * Math.abs(fd));
            }
        }
    }

    /** The pre-softmax score of class c, from the conv2 map, by a plain forward pass of the head. */
    private static double logit(ComputationGraph g, INDArray conv2, int c) {
        INDArray pooled = conv2.mean(2, 3); // [1, 8]
        INDArray h = pooled.mmul(g.getLayer("tk_dense0").getParam("W")).addiRowVector(g.getLayer("tk_dense0").getParam("b"));
        h = org.nd4j.linalg.ops.transforms.Transforms.relu(h);
        INDArray z = h.mmul(g.getLayer("tk_output").getParam("W")).addiRowVector(g.getLayer("tk_output").getParam("b"));
        return z.getDouble(0, c);
    }

    @Test
    void featureMapsAreAGridOfTheLayersMapsAndBadNamesListTheValidOnes() throws Exception {
        Path f = bundle(HeadSpec.linear());
        Path img = Files.list(tmp.resolve("d/red")).sorted().findFirst().orElseThrow();
        try (Explainer ex = Explainer.load(f)) {
            assertEquals(List.of("conv1", "pool1", "conv2"), ex.layers().stream().map(Explainer.Layer::name).toList());
            BufferedImage grid = ex.featureMaps(img, "conv1", 64); // 8 maps of 16x16 at 3x: 3 columns, 3 rows
            assertEquals(3 * (48 + 2) + 2, grid.getWidth());
            assertEquals(3 * (48 + 2) + 2, grid.getHeight());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ex.featureMaps(img, "conv9", 4));
            assertTrue(e.getMessage().contains("conv1, pool1, conv2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ex.gradCam(img, "green"));
            assertTrue(e.getMessage().contains("[blue, red]") || e.getMessage().contains("[red, blue]"), e.getMessage());
            Path png = tmp.resolve("out/maps.png");
            Render.writePng(grid, png);
            assertEquals(grid.getWidth(), javax.imageio.ImageIO.read(png.toFile()).getWidth());
        }
    }
}
