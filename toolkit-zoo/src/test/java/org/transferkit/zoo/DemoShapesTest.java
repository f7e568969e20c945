package org.transferkit.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.data.ImageDataset;

class DemoShapesTest {
    @TempDir
    Path tmp;

    private static int[] pixels(BufferedImage i) {
        return i.getRGB(0, 0, i.getWidth(), i.getHeight(), null, 0, i.getWidth());
    }

    @Test
    void sameSeedDrawsTheSameImages() {
        for (DemoShapes.Task t : DemoShapes.Task.values()) {
            for (String c : t.classes()) {
                assertArrayEquals(pixels(DemoShapes.draw(c, new Random(5))), pixels(DemoShapes.draw(c, new Random(5))));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> DemoShapes.draw("dodecahedron", new Random(1)));
    }

    @Test
    void writesAFolderPerClassDataset() throws Exception {
        DemoShapes.writeDataset(tmp, DemoShapes.Task.TARGET, 3, 1);
        ImageDataset ds = ImageDataset.fromFolder(tmp);
        assertEquals(DemoShapes.Task.TARGET.classes(), ds.labels());
        assertEquals(12, ds.size());
        assertEquals(DemoShapes.SIZE, javax.imageio.ImageIO.read(ds.images().get(0).path().toFile()).getWidth());
        assertEquals(0, ds.skipped().size());
        try (var s = Files.list(tmp.resolve("ring"))) {
            assertEquals(3, s.count());
        }
    }
}
