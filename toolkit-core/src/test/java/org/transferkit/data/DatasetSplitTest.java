package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetSplitTest {
    private static ImageDataset dataset(int a, int b) {
        List<LabelledImage> imgs = new ArrayList<>();
        for (int i = 0; i < a; i++) {
            imgs.add(new LabelledImage(Path.of("a" + i + ".png"), 0));
        }
        for (int i = 0; i < b; i++) {
            imgs.add(new LabelledImage(Path.of("b" + i + ".png"), 1));
        }
        return new ImageDataset(List.of("a", "b"), imgs, List.of());
    }

    @Test
    void stratifiedKeepsClassProportionsAndCoversEveryImageOnce() {
        DatasetSplit s = DatasetSplit.stratified(dataset(50, 20), 0.2, 0.3, 7);
        assertArrayEquals(new int[] {25, 10}, s.train().classCounts());
        assertArrayEquals(new int[] {10, 4}, s.val().classCounts());
        assertArrayEquals(new int[] {15, 6}, s.test().classCounts());
        Set<Path> seen = new HashSet<>();
        for (ImageDataset part : List.of(s.train(), s.val(), s.test())) {
            part.images().forEach(i -> assertTrue(seen.add(i.path()), "duplicate " + i.path()));
        }
        assertEquals(70, seen.size());
    }

    @Test
    void sameSeedSameSplitOtherSeedOtherSplit() {
        ImageDataset ds = dataset(40, 40);
        assertEquals(DatasetSplit.stratified(ds, 0.2, 0.2, 1).test().images(),
                DatasetSplit.stratified(ds, 0.2, 0.2, 1).test().images());
        assertNotEquals(DatasetSplit.stratified(ds, 0.2, 0.2, 1).test().images(),
                DatasetSplit.stratified(ds, 0.2, 0.2, 2).test().images());
    }

    @Test
    void tooSmallClassAndBadFractionsAreRefusedWithTheValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DatasetSplit.stratified(dataset(10, 2), 0.2, 0.2, 1));
        assertTrue(e.getMessage().contains("'b' has 2 image(s)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DatasetSplit.stratified(dataset(10, 10), 0.6, 0.5, 1));
        assertTrue(e.getMessage().contains("0.6") && e.getMessage().contains("0.5"), e.getMessage());
    }
}
