package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.transferkit.runtime.RuntimeOptions;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.transferkit.engine.CompiledGraph;
import org.transferkit.engine.Engine;
import org.transferkit.engine.EngineMode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.backbone.BaseBackbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

import org.transferkit.model.EpochStats;
/** Phase 2: the top blocks train end to end, the rest stays frozen, batch norm keeps its statistics. */
class TwoPhaseTest {
    @TempDir
    Path tmp;

    /** Two conv blocks with batch norm, on 3x16x16; blocks "block1" (pool1) and "block2" (bn2). */
    static final class BnBackbone extends BaseBackbone {
        static final List<CutPoint> CUTS = List.of(new CutPoint("block2", "bn2", new long[] {8, 8, 8}, "block 2"));
        static final List<CutPoint> BLOCKS = List.of(new CutPoint("block1", "pool1", new long[] {8, 8, 8}, "block 1"),
                CUTS.get(0));

        BnBackbone() {
            super("bn-tiny", new InputShape(3, 16, 16), Preprocessing.minusOneToOne(), CUTS, CUTS.get(0), "random(seed=4)");
        }

        @Override
        public List<CutPoint> blocks() {
            return BLOCKS;
        }

        @Override
        public ComputationGraph loadGraph() {
            ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(4)
                    .activation(Activation.RELU).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same)
                    .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(16, 16, 3))
                    .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(8).build(), "in")
                    .addLayer("bn1", new BatchNormalization.Builder().build(), "conv1")
                    .addLayer("pool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "bn1")
                    .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(8).build(), "pool1")
                    .addLayer("bn2", new BatchNormalization.Builder().build(), "conv2")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                            .activation(Activation.SOFTMAX).build(), "bn2")
                    .setOutputs("out").build());
            g.init();
            // "pretrained" statistics that differ from any mini-batch's
            g.getLayer("bn2").setParam("mean", Nd4j.ones(8).muli(0.3));
            return g;
        }
    }

    @Test
    void topBlockTrainsEndToEndTheRestStaysFrozenAndBatchNormKeepsItsStatistics() throws Exception {
        ImageDataset all = ImageDataset.fromFolder(TestImages.folder(tmp, 12, 1, "red", "blue"));
        DatasetSplit split = new DatasetSplit(all, all.withImages(List.of()), all.withImages(List.of()));
        List<EpochStats> epochs = new ArrayList<>();
        FineTune s = FineTune.builder().epochs(2).batchSize(8).learningRate(0.01).seed(3)
                .unfreeze(new Unfreeze(1, 2, 0.01)).build();
        BnBackbone bb = new BnBackbone();
        TrainingResult r = Trainer.fit(bb, split, s, TrainingListener.onEpoch(epochs::add));
        assertEquals(4, epochs.size(), "2 head epochs, then 2 end-to-end epochs");
        assertEquals(List.of(1, 2, 3, 4), epochs.stream().map(EpochStats::epoch).toList());
        ComputationGraph original = bb.loadGraph();
        ComputationGraph g = r.graph();
        assertEquals(original.getLayer("conv1").params(), g.getLayer("conv1").params(), "block 1 stays frozen");
        assertNotEquals(original.getLayer("conv2").params(), g.getLayer("conv2").params(), "block 2 trained");
        assertTrue(r.frozenLayers().containsAll(List.of("conv1", "bn1", "bn2")), r.frozenLayers().toString());
        INDArray x = Nd4j.rand(new long[] {4, 3, 16, 16});
        assertTrue(g.feedForward(x, true).get("bn2").equalsWithEps(g.feedForward(x, false).get("bn2"), 1e-5),
                "batch norm uses its stored statistics while training");
        // phase 2 validates on the compiled engine: its graph (batch norm as frozen 1x1 depthwise convolutions) compiles
        try (var cg = CompiledGraph.compile(g, g.getConfiguration().getNetworkOutputs().get(0),
                bb.inputShape())) {
            assertTrue(cg.output(x).equalsWithEps(g.output(false, x)[0], 1e-5), "engine output equals DL4J's after phase 2");
        }
    }

    @Test
    void phaseTwoNeverLosesThePhaseOneModelAndRefusesBackbonesWithoutBlocks() throws Exception {
        ImageDataset all = ImageDataset.fromFolder(TestImages.folder(tmp, 12, 1, "red", "blue"));
        DatasetSplit split = DatasetSplit.stratified(all, 0.25, 0.0, 3);
        FineTune p1 = FineTune.builder().epochs(4).batchSize(8).learningRate(0.01).seed(3).build();
        TrainingResult one = Trainer.fit(new BnBackbone(), split, p1, TrainingListener.NONE);
        FineTune p2 = FineTune.builder().epochs(4).batchSize(8).learningRate(0.01).seed(3)
                .unfreeze(new Unfreeze(2, 1, 0.01)).build();
        TrainingResult two = Trainer.fit(new BnBackbone(), split, p2, TrainingListener.NONE);
        double bestOne = one.history().get(one.bestEpoch() - 1).valMetric();
        double bestTwo = two.history().get(two.bestEpoch() - 1).valMetric();
        assertTrue(bestTwo >= bestOne, bestTwo + " < " + bestOne);
        assertThrows(IllegalArgumentException.class, () -> Trainer.fit(new TinyBackbone(1), split,
                FineTune.builder().epochs(1).unfreeze(new Unfreeze(1, 1, 0.01)).build(), TrainingListener.NONE));
        assertThrows(IllegalArgumentException.class, () -> new Unfreeze(-1, 1, 0.1));
    }

    /**
     * Unfreezing no block: end-to-end epochs with the whole backbone frozen train only the head, the trained graph's
     * backbone is covered by the compiled engine (mode onednn) and not run by it in mode dl4j, and training with the
     * engine on gives the history of training with it off (the engine reproduces DL4J within float tolerance).
     */
    @Test
    void frozenEndToEndEpochsTrainOnlyTheHeadAndTheBackboneCompiles() throws Exception {
        ImageDataset all = ImageDataset.fromFolder(TestImages.folder(tmp, 12, 1, "red", "blue"));
        DatasetSplit split = DatasetSplit.stratified(all, 0.25, 0.0, 3);
        FineTune s = FineTune.builder().epochs(2).batchSize(8).learningRate(0.01).seed(3)
                .unfreeze(new Unfreeze(0, 3, 0.01)).build();
        List<List<EpochStats>> runs = new ArrayList<>();
        for (EngineMode mode : List.of(EngineMode.DL4J, EngineMode.ONEDNN)) {
            RunEnvironment env = new RunEnvironment(RuntimeOptions.builder().engine(mode).build(), null, null, false, 2);
            List<EpochStats> epochs = new ArrayList<>();
            TrainingResult r = Trainer.fit(new BnBackbone(), split, s, env, TrainingListener.onEpoch(epochs::add));
            assertEquals(5, epochs.size(), "2 head epochs, then 3 end-to-end epochs");
            ComputationGraph original = new BnBackbone().loadGraph();
            assertEquals(original.getLayer("conv2").params(), r.graph().getLayer("conv2").params(), "backbone frozen");
            var compiled = Engine.tryCompile(r.graph(), org.transferkit.head.TransferModel.POOL, new InputShape(3, 16, 16),
                    mode);
            assertEquals(mode == EngineMode.ONEDNN, compiled.isPresent(), "the backbone of this graph runs on the engine");
            compiled.ifPresent(CompiledGraph::close);
            runs.add(epochs);
        }
        for (int e = 0; e < 5; e++) {
            EpochStats a = runs.get(0).get(e);
            EpochStats b = runs.get(1).get(e);
            assertEquals(a.trainLoss(), b.trainLoss(), 1e-3, "epoch " + (e + 1) + " loss");
            assertEquals(a.valLoss(), b.valLoss(), 1e-3, "epoch " + (e + 1) + " val loss");
            assertEquals(a.valMetric(), b.valMetric(), 1e-9, "epoch " + (e + 1) + " val accuracy");
        }
    }
}
