package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TestImages;
import org.transferkit.backbone.ConvNet;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.engine.EngineMode;
import org.transferkit.model.EpochStats;
import org.transferkit.model.InputShape;
import org.transferkit.runtime.RuntimeOptions;

/**
 * A CNN trained from scratch end to end on the engine's training path gives DL4J's run: the same loss curve,
 * accuracies and kept epoch within float tolerance, for Adam and for SGD with Nesterov momentum, and with batch
 * normalization in training mode; the engine off
 * ({@link EngineMode#DL4J}) is the reference.
 */
class FromScratchOnEngineTest {
    @TempDir
    Path tmp;

    @Test
    void adamRunMatchesDl4j() throws Exception {
        same(Optimizer.ADAM);
    }

    @Test
    void nesterovRunMatchesDl4j() throws Exception {
        same(Optimizer.SGD);
    }

    /**
     * With batch normalization in training mode (batch statistics, running statistics moved each step; validation on
     * the inference engine from the weights written back).
     */
    @Test
    void batchNormRunMatchesDl4j() throws Exception {
        same(Optimizer.SGD, true);
    }

    private void same(Optimizer optimizer) throws Exception {
        same(optimizer, false);
    }

    private void same(Optimizer optimizer, boolean batchNorm) throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp.resolve("img"), 16, 1,
                "red", "blue", "green")), 0.25, 0.0, 3);
        FineTune settings = FineTune.builder().epochs(4).batchSize(7).learningRate(0.01).optimizer(optimizer).seed(5)
                .head(org.transferkit.head.HeadSpec.linear()).build();
        TrainingResult[] runs = new TrainingResult[2];
        List<EngineMode> modes = List.of(EngineMode.DL4J, EngineMode.ONEDNN);
        for (int i = 0; i < 2; i++) {
            ConvNet net = batchNorm
                    ? ConvNet.builder(new InputShape(3, 16, 16)).seed(3).conv2d(8, 3).batchNorm().maxPool(2).conv2d(8, 3)
                            .batchNorm().globalAvgPool().build()
                    : ConvNet.builder(new InputShape(3, 16, 16)).seed(3).conv2d(8, 3).maxPool(2).conv2d(8, 3)
                            .flatten().dense(16).build();
            RunEnvironment env = new RunEnvironment(RuntimeOptions.builder().engine(modes.get(i)).build(), null, null,
                    false, 2);
            List<String> paths = new java.util.ArrayList<>();
            runs[i] = EndToEnd.fromScratch(net, split, settings, env, new TrainingListener() {
                @Override
                public void onTrainingPath(String path) {
                    paths.add(path);
                }
            });
            assertEquals(List.of(i == 0 ? "dl4j: the engine is off" : "engine"), paths);
        }
        assertEquals(4, runs[1].history().size());
        for (int e = 0; e < 4; e++) {
            EpochStats a = runs[0].history().get(e);
            EpochStats b = runs[1].history().get(e);
            String what = optimizer + " epoch " + (e + 1);
            assertEquals(a.trainLoss(), b.trainLoss(), 1e-4 * (1 + a.trainLoss()), what + " loss");
            assertEquals(a.trainMetric(), b.trainMetric(), 1e-9, what + " train accuracy");
            assertEquals(a.valLoss(), b.valLoss(), 1e-4 * (1 + a.valLoss()), what + " val loss");
            assertEquals(a.valMetric(), b.valMetric(), 1e-9, what + " val accuracy");
        }
        assertEquals(runs[0].bestEpoch(), runs[1].bestEpoch());
        assertTrue(runs[0].graph().params().equalsWithEps(runs[1].graph().params(), 1e-3));
    }
}
