package org.transferkit.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.transferkit.model.SkippedFile;

/** Skipped files on a Hadoop file system are shown with their URI whole, local ones as they are. */
class ShownNamesTest {

    @Test
    void aCollapsedUriIsShownWhole() {
        Path collapsed = Path.of("hdfs://nn:8020/data/ants/broken.jpg");
        assertEquals("hdfs:/nn:8020/data/ants/broken.jpg", collapsed.toString(), "what java.nio makes of it");
        assertEquals("hdfs://nn:8020/data/ants/broken.jpg", HadoopImages.shown(collapsed));
        assertEquals("s3a://bucket/x.png: not an image",
                HadoopImages.shown(new SkippedFile(Path.of("s3a://bucket/x.png"), "not an image")));
    }

    @Test
    void localPathsAreShownAsTheyAre() {
        assertEquals("/data/ants/broken.jpg", HadoopImages.shown(Path.of("/data/ants/broken.jpg")));
        assertEquals("rel/x.jpg", HadoopImages.shown(Path.of("rel/x.jpg")));
    }
}
