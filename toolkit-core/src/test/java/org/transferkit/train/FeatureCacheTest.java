package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.transferkit.runtime.RuntimeOptions;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.Augmentation;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.model.Preprocessing;

import org.transferkit.model.EpochStats;
class FeatureCacheTest {
    @TempDir
    Path tmp;

    /** Records what the cache did. */
    static final class Counts implements TrainingListener {
        int reused = -1;
        int computed = -1;

        @Override
        public void onFeatureCache(int r, int c, Path dir) {
            reused = r;
            computed = c;
        }
    }

    private TrainingResult run(DatasetSplit split, FineTune s, Counts counts) throws Exception {
        RunEnvironment env = new RunEnvironment(RuntimeOptions.defaults(), new FeatureCache(tmp.resolve("cache")), null,
                false, 2);
        return Trainer.fit(new TinyBackbone(4), split, s, env, counts);
    }

    @Test
    void secondRunReusesChangedImageAndSettingRecomputeExactlyWhatChanged() throws Exception {
        Path data = TestImages.folder(tmp.resolve("d"), 6, 1, "red", "blue");
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(data), 0.34, 0, 2); // 8 train, 4 val
        FineTune s = FineTune.builder().epochs(2).batchSize(4).seed(1).build();

        Counts first = new Counts();
        TrainingResult a = run(split, s, first);
        assertEquals(0, first.reused);
        assertEquals(12, first.computed);

        Counts second = new Counts();
        TrainingResult b = run(split, s, second);
        assertEquals(12, second.reused);
        assertEquals(0, second.computed);
        assertEquals(a.history().stream().map(EpochStats::trainLoss).toList(),
                b.history().stream().map(EpochStats::trainLoss).toList(), "cached features train identically");

        Path changed = split.train().images().get(0).path();
        ImageIO.write(TestImages.image("red", 24, new Random(99)), "png", changed.toFile());
        Counts third = new Counts();
        run(split, s, third);
        assertEquals(11, third.reused);
        assertEquals(1, third.computed, "only the changed image is recomputed");

        FineTune other = FineTune.builder().epochs(1).batchSize(4).seed(1)
                .preprocessing(Preprocessing.minusOneToOne().withResize(Preprocessing.Resize.LETTERBOX)).build();
        Counts fourth = new Counts();
        run(split, other, fourth);
        assertEquals(12, fourth.computed, "a changed setting recomputes everything");

        FineTune aug = FineTune.builder().epochs(1).batchSize(4).seed(1)
                .augment(Augmentation.standard(), 2).build();
        Counts fifth = new Counts();
        run(split, aug, fifth);
        Counts sixth = new Counts();
        run(split, aug, sixth);
        assertEquals(12 + 16, sixth.reused, "originals and both augmented copies are cached");
    }

    @Test
    void aDamagedEntryIsIgnored() throws Exception {
        FeatureCache c = new FeatureCache(tmp);
        c.put("k", "img", new float[] {1, 2, 3});
        assertArrayEquals(new float[] {1, 2, 3}, c.get("k", "img", 3));
        assertNull(c.get("k", "img", 4), "wrong length");
        Path f = tmp.resolve("k/img.f32");
        Files.write(f, java.util.Arrays.copyOf(Files.readAllBytes(f), 10));
        assertNull(c.get("k", "img", 3), "truncated");
        assertNull(c.get("k", "other", 3));
    }
}
