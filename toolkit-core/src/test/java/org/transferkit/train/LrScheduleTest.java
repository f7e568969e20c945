package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;

import org.transferkit.model.EpochStats;
class LrScheduleTest {
    @TempDir
    Path tmp;

    @Test
    void stepCosineAndWarmupFollowTheirFormulas() {
        LrSchedule step = new LrSchedule(LrSchedule.Type.STEP, 7, 0.1, 0);
        assertEquals(0.01, step.at(0.01, 1, 25), 1e-15);
        assertEquals(0.01, step.at(0.01, 7, 25), 1e-15);
        assertEquals(0.001, step.at(0.01, 8, 25), 1e-15);
        assertEquals(1e-5, step.at(0.01, 22, 25), 1e-15);
        LrSchedule cos = new LrSchedule(LrSchedule.Type.COSINE, 1, 1, 2);
        assertEquals(0.01 / 3, cos.at(0.01, 1, 12), 1e-15);
        assertEquals(0.02 / 3, cos.at(0.01, 2, 12), 1e-15);
        assertEquals(0.01, cos.at(0.01, 3, 12), 1e-15, "first epoch after warm-up is the full rate");
        assertEquals(0.005, cos.at(0.01, 8, 12), 1e-15, "half way through the 10 cosine epochs");
        assertEquals(LrSchedule.Type.COSINE, LrSchedule.parseType("Cosine"));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.parseType("linear"));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(LrSchedule.Type.STEP, 0, 0.1, 0));
    }

    @Test
    void trainerUsesTheScheduleEveryEpoch() throws Exception {
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(TestImages.folder(tmp, 6, 1, "red", "blue")),
                0.34, 0, 1);
        FineTune s = FineTune.builder().epochs(4).batchSize(4).learningRate(0.02).seed(1)
                .schedule(new LrSchedule(LrSchedule.Type.STEP, 2, 0.5, 0)).build();
        TrainingResult r = Trainer.fit(new TinyBackbone(1), split, s, TrainingListener.NONE);
        assertEquals(java.util.List.of(0.02, 0.02, 0.01, 0.01),
                r.history().stream().map(EpochStats::learningRate).toList());
    }
}
