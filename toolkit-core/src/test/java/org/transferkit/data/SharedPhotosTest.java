package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.transferkit.SharedData;

import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
/** Real check: every file of ../shared/datasets/hymenoptera loads or is reported; nothing crashes. */
@Tag("real-data")
class SharedPhotosTest {
    @Test
    void everyFileLoadsOrIsReported() throws Exception {
        Path root = SharedData.require("datasets/hymenoptera");
        for (String part : List.of("train", "val")) {
            ImageDataset ds = ImageDataset.fromFolder(root.resolve(part));
            assertEquals(List.of("ants", "bees"), ds.labels());
            long files;
            try (Stream<Path> s = Files.walk(root.resolve(part))) {
                files = s.filter(Files::isRegularFile).count();
            }
            Set<String> used = new HashSet<>();
            List<SkippedFile> skipped;
            try (ImagePipeline p = ImagePipeline.builder(ds).shape(new InputShape(3, 224, 224))
                    .preprocessing(Preprocessing.imagenet()).batchSize(32).threads(2).build()) {
                while (p.hasNext()) {
                    p.next().getExampleMetaData().forEach(m -> used.add(m.toString()));
                }
                skipped = p.skipped();
            }
            assertEquals(files, used.size() + skipped.size(), part + ": every file used or reported; skipped " + skipped);
            assertTrue(used.size() >= files - 1, part + ": at most the placeholder GIF may be skipped: " + skipped);
            if (part.equals("train")) {
                Path gif = root.resolve("train/ants/imageNotFound.gif");
                assertTrue(used.contains(gif.toString()) || skipped.stream().anyMatch(s -> s.path().equals(gif)));
                assertTrue(used.contains(root.resolve("train/ants/ant photos.jpg").toString()), "name with a space");
            }
        }
    }
}
