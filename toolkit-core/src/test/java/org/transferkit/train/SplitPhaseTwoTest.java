package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TestImages;
import org.transferkit.backbone.BaseBackbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.Augmentation;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.engine.EngineMode;
import org.transferkit.model.EpochStats;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.runtime.RuntimeOptions;

/**
 * Phase 2 split at the lowest unfrozen block (the frozen part forward only, its output cached without
 * augmentation) trains exactly what training the whole graph through DL4J trains: same history and weights within
 * float tolerance, with the engine on and off, with and without augmentation, from the disk cache too.
 */
class SplitPhaseTwoTest {
    @TempDir
    Path tmp;

    /** {@link TwoPhaseTest.BnBackbone} with a third block ending at bn1, so one block can be unfrozen below the cut. */
    static final class ThreeBlocks extends BaseBackbone {
        ThreeBlocks() {
            super("bn-tiny-3", new InputShape(3, 16, 16), Preprocessing.minusOneToOne(), TwoPhaseTest.BnBackbone.CUTS,
                    TwoPhaseTest.BnBackbone.CUTS.get(0), "random(seed=4)");
        }

        @Override
        public List<CutPoint> blocks() {
            return List.of(new CutPoint("block0", "bn1", new long[] {8, 16, 16}, "block 0"),
                    TwoPhaseTest.BnBackbone.BLOCKS.get(0), TwoPhaseTest.BnBackbone.CUTS.get(0));
        }

        @Override
        public ComputationGraph loadGraph() {
            return new TwoPhaseTest.BnBackbone().loadGraph();
        }
    }

    /** {@link ThreeBlocks} without batch norm: DL4J can cut it (conv1 | pool1, conv2, head). */
    static final class NoBatchNorm extends BaseBackbone {
        static final CutPoint CUT = new CutPoint("block2", "conv2", new long[] {8, 8, 8}, "block 2");

        NoBatchNorm() {
            super("plain-tiny-3", new InputShape(3, 16, 16), Preprocessing.minusOneToOne(), List.of(CUT), CUT,
                    "random(seed=4)");
        }

        @Override
        public List<CutPoint> blocks() {
            return List.of(new CutPoint("block0", "conv1", new long[] {8, 16, 16}, "block 0"),
                    new CutPoint("block1", "pool1", new long[] {8, 8, 8}, "block 1"), CUT);
        }

        @Override
        public ComputationGraph loadGraph() {
            ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(4)
                    .activation(Activation.RELU).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same)
                    .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(16, 16, 3))
                    .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(8).build(), "in")
                    .addLayer("pool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(),
                            "conv1")
                    .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(8).build(), "pool1")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                            .activation(Activation.SOFTMAX).build(), "conv2")
                    .setOutputs("out").build());
            g.init();
            return g;
        }
    }

    @Test
    void splitPhaseTwoTrainsWhatTheWholeGraphTrains() throws Exception {
        check(NoBatchNorm::new, List.of("conv1", "pool1"), List.of("conv1", "conv2"));
    }

    /**
     * A batch-norm backbone (DL4J cannot cut above its frozen affine; {@link GraphCut} does): the whole graph's
     * results, with the part above the boundary on the engine.
     */
    @Test
    void batchNormBackboneTrainsWhatTheWholeGraphTrains() throws Exception {
        check(ThreeBlocks::new, List.of("conv1", "bn1", "bn2"), List.of("conv1", "conv2", "bn2"));
    }

    private void check(java.util.function.Supplier<BaseBackbone> backbone, List<String> frozen, List<String> layers)
            throws Exception {
        ImageDataset all = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("img"), 12, 1, "red", "blue"));
        DatasetSplit split = DatasetSplit.stratified(all, 0.25, 0.0, 3);
        for (Augmentation aug : Arrays.asList(null, Augmentation.standard())) {
            FineTune.Builder b = FineTune.builder().epochs(2).batchSize(5).learningRate(0.01).seed(3);
            if (aug != null) {
                b.augment(aug, 1);
            }
            FineTune p1 = b.build();
            FineTune p2 = b.unfreeze(new Unfreeze(1, 3, 0.05)).build();
            for (EngineMode mode : List.of(EngineMode.DL4J, EngineMode.ONEDNN)) {
                FeatureCache disk = new FeatureCache(tmp.resolve("cache-" + mode));
                RunEnvironment env = new RunEnvironment(RuntimeOptions.builder().engine(mode).build(), disk, null,
                        false, 2);
                TrainingResult one = Trainer.fit(backbone.get(), split, p1, env, TrainingListener.NONE);
                TrainingResult whole = EndToEnd.fit(backbone.get(), split, p2, env, one, TrainingListener.NONE,
                        false);
                String what = mode + (aug == null ? "" : " augmented");
                for (int run = 0; run < 2; run++) { // the second run reads the boundary features from disk
                    List<String> paths = new java.util.ArrayList<>();
                    TrainingResult cut = EndToEnd.fit(backbone.get(), split, p2, env, one, new TrainingListener() {
                        @Override
                        public void onTrainingPath(String path) {
                            paths.add(path);
                        }
                    }, true);
                    // the part above the boundary trains on the engine's training path when the engine is on (a
                    // batch-norm backbone's too: GraphCut cuts it, and its frozen affine maps train on the engine)
                    boolean engine = mode == EngineMode.ONEDNN;
                    assertEquals(engine ? "engine" : "dl4j", paths.get(0).split(":")[0], what + " " + paths);
                    assertSame(whole, cut, what + " run " + run, frozen, layers);
                }
            }
        }
    }

    private static void assertSame(TrainingResult whole, TrainingResult cut, String what, List<String> frozen,
            List<String> layers) {
        assertEquals(5, whole.history().size(), what);
        assertEquals(whole.history().size(), cut.history().size(), what);
        for (int e = 2; e < 5; e++) {
            EpochStats a = whole.history().get(e);
            EpochStats c = cut.history().get(e);
            // relative: float rounding differs between DL4J's and the engine's kernels, and these losses reach ~9
            assertEquals(a.trainLoss(), c.trainLoss(), 1e-4 * Math.max(1, Math.abs(a.trainLoss())),
                    what + " epoch " + (e + 1) + " loss");
            assertEquals(a.trainMetric(), c.trainMetric(), 1e-9, what + " epoch " + (e + 1) + " train accuracy");
            assertEquals(a.valLoss(), c.valLoss(), 1e-4 * Math.max(1, Math.abs(a.valLoss())),
                    what + " epoch " + (e + 1) + " val loss");
            assertEquals(a.valMetric(), c.valMetric(), 1e-9, what + " epoch " + (e + 1) + " val accuracy");
        }
        assertEquals(whole.bestEpoch(), cut.bestEpoch(), what);
        for (String layer : concat(layers, org.transferkit.head.TransferModel.OUTPUT)) {
            assertTrue(whole.graph().getLayer(layer).params().equalsWithEps(cut.graph().getLayer(layer).params(), 1e-4),
                    what + ": " + layer);
        }
        assertTrue(cut.frozenLayers().containsAll(frozen.stream().filter(l -> !l.startsWith("pool")).toList()),
                cut.frozenLayers().toString());
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.add(b);
        return out;
    }
}
