package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.transferkit.TinyBackbone;
import org.transferkit.head.HeadSpec;
import org.transferkit.model.EpochStats;
import org.transferkit.task.EvaluationReport;

/**
 * {@link FineTuner#fitStreaming}: the head trained batch by batch from a {@link FeatureSource} against the in-memory
 * {@link FineTuner#fitFeatures} on the same generated vectors (TinyBackbone's 16-value dense cut), and the head
 * search's stratified sample.
 */
class StreamingTrainingTest {
    private static final int LENGTH = 16;

    /** Two noisy Gaussian classes, {@code n} vectors each, interleaved. */
    private static FeatureSet vectors(int n, long seed, double noise) {
        Random r = new Random(seed);
        FeatureSet.Builder b = FeatureSet.builder(List.of("a", "b"), LENGTH);
        for (int i = 0; i < 2 * n; i++) {
            int c = i % 2;
            float[] v = new float[LENGTH];
            for (int j = 0; j < LENGTH; j++) {
                v[j] = (float) ((j % 2 == c ? 1 : -1) * 0.3 + noise * r.nextGaussian());
            }
            b.add(Path.of("v" + i + ".png"), c, v);
        }
        return b.build();
    }

    private static FineTuner tuner(int batch, double dropout) {
        return FineTuner.builder(new TinyBackbone(3)).epochs(8).learningRate(0.01).seed(5)
                .head(HeadSpec.builder().hidden(8).dropout(dropout).build())
                .settings(s -> s.cutPoint("dense").batchSize(batch)).build();
    }

    @Test
    void withOneBatchPerEpochStreamingTrainsExactlyTheInMemoryHead() throws Exception {
        FeatureSet train = vectors(40, 1, 1.0);
        FeatureSet val = vectors(15, 2, 1.0);
        // one batch of every vector: the shuffle changes only the order inside it, which the mean gradient ignores
        try (TrainedModel memory = tuner(80, 0).fitFeatures(train, val);
                TrainedModel streamed = tuner(80, 0).fitStreaming(train, val, 1000)) {
            assertEquals(memory.bestEpoch(), streamed.bestEpoch());
            for (int e = 0; e < memory.history().size(); e++) {
                EpochStats m = memory.history().get(e);
                EpochStats s = streamed.history().get(e);
                assertEquals(m.trainLoss(), s.trainLoss(), 1e-5, "epoch " + (e + 1) + " training loss");
                assertEquals(m.trainMetric(), s.trainMetric(), 1e-9, "epoch " + (e + 1) + " training accuracy");
                assertEquals(m.valLoss(), s.valLoss(), 1e-5, "epoch " + (e + 1) + " validation loss");
                assertEquals(m.valMetric(), s.valMetric(), 1e-9, "epoch " + (e + 1) + " validation accuracy");
            }
            assertArrayEquals(memory.interop().graph().params().toFloatVector(),
                    streamed.interop().graph().params().toFloatVector(), 1e-5f);
        }
    }

    @Test
    void withSmallBatchesStreamingReachesTheInMemoryAccuracyReadingOneBatchAtATime() throws Exception {
        FeatureSet train = vectors(100, 3, 0.8);
        FeatureSet val = vectors(40, 4, 0.8);
        CountingSource counted = new CountingSource(train);
        try (TrainedModel memory = tuner(20, 0.2).fitFeatures(train, val);
                TrainedModel streamed = tuner(20, 0.2).fitStreaming(counted, val, 1000)) {
            double m = memory.history().get(memory.bestEpoch() - 1).valMetric();
            double s = streamed.history().get(streamed.bestEpoch() - 1).valMetric();
            // another shuffle order gives other weights; on 80 validation vectors that is a few vectors either way
            assertEquals(m, s, 0.05, "kept-epoch validation accuracy, in memory " + m + " vs streamed " + s);
            assertTrue(m > 0.8, "the classes are separable: " + m);
            assertEquals(8, streamed.history().size());
            assertEquals(20, counted.largestBatch, "the phase asks for one training batch at a time");
            assertEquals(8, counted.shuffledPasses, "one shuffled pass per epoch");
            EvaluationReport onVal = (EvaluationReport) streamed.evaluate(new CountingSource(val));
            assertEquals(80, onVal.total());
        }
    }

    @Test
    void theHeadSearchCrossValidatesOnTheSampleThenTheWinnerTrainsStreaming() throws Exception {
        FeatureSet train = vectors(60, 5, 0.8);
        CountingSource counted = new CountingSource(train);
        FineTuner tuner = FineTuner.builder(new TinyBackbone(3))
                .search(HeadSearch.quick().withFolds(2).withMaxEpochs(3))
                .settings(s -> s.cutPoint("dense").batchSize(20)).build();
        try (TrainedModel m = tuner.fitStreaming(counted, vectors(20, 6, 0.8), 60)) {
            assertTrue(m.search().ran(), m.search().toMap().toString());
            assertEquals(m.settings().epochs(), m.history().size(), "the winner's epochs, trained streaming");
            assertEquals(m.history().size(), counted.shuffledPasses, "one shuffled pass per epoch");
            assertEquals(1 + m.history().size(), counted.inOrderPasses,
                    "one pass to draw the sample, then one per epoch to measure the training vectors");
        }
    }

    @Test
    void theSampleIsSeededStratifiedBoundedAndInSourceOrder() {
        FeatureSet.Builder b = FeatureSet.builder(List.of("a", "b"), 2);
        for (int i = 0; i < 300; i++) {
            b.add(Path.of("v" + i), i < 200 ? 0 : 1, new float[] {i, -i});
        }
        FeatureSet all = b.build();
        FeatureSet s = StreamingTraining.sample(all, 30, 7);
        assertArrayEquals(new int[] {20, 10}, s.classCounts());
        List<Path> again = StreamingTraining.sample(all, 30, 7).paths();
        assertEquals(s.paths(), again);
        assertNotEquals(s.paths(), StreamingTraining.sample(all, 30, 8).paths());
        List<Integer> indices = new ArrayList<>();
        s.paths().forEach(p -> indices.add(Integer.parseInt(p.toString().substring(1))));
        assertEquals(indices.stream().sorted().toList(), indices, "source order");
        assertEquals(300, StreamingTraining.sample(all, 1000, 7).size(), "a small source is sampled whole");
        assertThrows(IllegalArgumentException.class, () -> StreamingTraining.sample(all, 0, 7));
    }

    /** A source that records what the phase asks of it. */
    private static final class CountingSource implements FeatureSource {
        private final FeatureSet inner;
        int largestBatch;
        int shuffledPasses;
        int inOrderPasses;

        CountingSource(FeatureSet inner) {
            this.inner = inner;
        }

        @Override
        public List<String> labels() {
            return inner.labels();
        }

        @Override
        public int length() {
            return inner.length();
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public int[] classCounts() {
            return inner.classCounts();
        }

        @Override
        public List<org.transferkit.model.SkippedFile> skipped() {
            return inner.skipped();
        }

        @Override
        public Batches inOrder(int batchSize) {
            inOrderPasses++;
            return inner.inOrder(batchSize);
        }

        @Override
        public Batches shuffled(int batchSize, long seed) {
            largestBatch = Math.max(largestBatch, batchSize);
            shuffledPasses++;
            return inner.shuffled(batchSize, seed);
        }
    }
}
