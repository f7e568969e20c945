package org.transferkit.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.FineTuner;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.model.InputShape;
import org.transferkit.explain.ModelSummary;
import org.transferkit.head.HeadSpec;
import org.transferkit.train.FineTune;
import org.transferkit.train.TrainingListener;

class ConvNetTest {
    @TempDir
    Path tmp;

    @Test
    void aFewLinesGiveNamedLayersWithTheirShapes() {
        ConvNet net = ConvNet.builder(new InputShape(3, 32, 32))
                .conv2d(32, 3).maxPool(2)
                .conv2d(64, 3).maxPool(2)
                .conv2d(64, 3)
                .flatten().dense(64)
                .build();
        assertEquals(List.of("conv1", "pool1", "conv2", "pool2", "conv3", "dense1"),
                net.cutPoints().stream().map(CutPoint::name).toList());
        assertArrayEquals(new long[] {32, 30, 30}, net.cutPoint("conv1").outputShape()); // valid padding
        assertArrayEquals(new long[] {64, 4, 4}, net.cutPoint("conv3").outputShape());
        assertArrayEquals(new long[] {64}, net.defaultCutPoint().outputShape());
        assertEquals(List.of("conv1", "conv2", "conv3", "dense1"), net.blocks().stream().map(CutPoint::name).toList());
        assertTrue(net.trainsFromScratch());
        ComputationGraph g = net.loadGraph();
        ModelSummary s = ModelSummary.of(g, net.inputShape());
        assertEquals(g.numParams(), s.totalParams());
        assertEquals(s.totalParams(), s.trainableParams());
        // Keras' count for the same layers: 896 + 18,496 + 36,928 + 65,600
        assertEquals(896 + 18_496 + 36_928 + 65_600, s.totalParams());
        assertTrue(s.toTable().contains("conv3") && s.toTable().contains("64x4x4"), s.toTable());
        g.close();
    }

    @Test
    void mistakesAreRefusedAtTheCallThatMakesThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvNet.builder(new InputShape(3, 32, 32)).conv2d(8, 3).dense(10));
        assertTrue(e.getMessage().contains("flatten()"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConvNet.builder(new InputShape(3, 32, 32)).flatten().conv2d(8, 3));
        assertTrue(e.getMessage().contains("already flat"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConvNet.builder(new InputShape(3, 8, 8)).conv2d(8, 5).maxPool(2).conv2d(8, 3).build());
        assertTrue(e.getMessage().contains("do not fit input 3x8x8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConvNet.builder(new InputShape(3, 8, 8)).build());
        assertThrows(IllegalArgumentException.class, () -> ConvNet.builder(new InputShape(3, 8, 8)).conv2d(0, 3));
    }

    @Test
    void trainsFromScratchEndToEndWithNothingFrozen() throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp, 20, 1, "red", "blue")),
                0.25, 0.25, 3);
        ConvNet net = ConvNet.builder(new InputShape(3, 16, 16)).seed(3).conv2d(8, 3).maxPool(2).conv2d(8, 3)
                .flatten().dense(16).build();
        String[] phase = new String[1];
        ModelSummary[] seen = new ModelSummary[1];
        TrainedModel r = FineTuner.builder(net).settings(FineTune.builder().epochs(6).batchSize(8).learningRate(0.01)
                .head(HeadSpec.linear()).build()).listener(new TrainingListener() {
                    @Override
                    public void onModelBuilt(String p, ModelSummary s) {
                        phase[0] = p;
                        seen[0] = s;
                    }
                }).build().fit(split);
        assertEquals("from-scratch", phase[0]);
        assertEquals(0, seen[0].frozenParams());
        assertEquals(r.interop().graph().numParams(), seen[0].totalParams());
        assertEquals(List.of(), r.frozenLayers());
        assertEquals(6, r.history().size());
        assertTrue(r.history().get(r.bestEpoch() - 1).valMetric() >= 0.9, r.history().toString());
        r.close();
    }

    @Test
    void aTransferModelsSummaryCountsTheFrozenBackbone() throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp, 6, 1, "red", "blue")),
                0.25, 0, 3);
        ModelSummary[] seen = new ModelSummary[1];
        TrainedModel r = FineTuner.builder(new TinyBackbone(1)).settings(FineTune.builder().epochs(1).build())
                .listener(new TrainingListener() {
                    @Override
                    public void onModelBuilt(String p, ModelSummary s) {
                        seen[0] = s;
                    }
                }).build().fit(split);
        long head = 8 * 128 + 128 + 128 * 2 + 2; // pooled 8 -> dense 128 -> 2 classes
        assertEquals(head, seen[0].trainableParams(), seen[0].toTable());
        assertEquals(8 * 27 + 8 + 8 * 72 + 8, seen[0].frozenParams(), seen[0].toTable()); // conv1 + conv2
        assertTrue(seen[0].toTable().contains("frozen") && seen[0].toTable().contains("tk_output"));
        r.close();
    }
}
