package org.transferkit.datavec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.transferkit.TestImages;

/** A red/blue class folder with a garbage JPEG, a truncated PNG and a text file mixed in. */
final class DataVecFixtures {
    private DataVecFixtures() {
    }

    /** @return the folder; its bad entries are {@link #bad(Path)} */
    static Path folderWithBadFiles(Path dir, int perClass) throws IOException {
        TestImages.folder(dir, perClass, 1, "red", "blue");
        Files.write(dir.resolve("red/garbage.jpg"), new byte[] {1, 2, 3, 4, 5, 6, 7});
        byte[] png = Files.readAllBytes(dir.resolve("blue/blue_0.png"));
        Files.write(dir.resolve("blue/truncated.png"), Arrays.copyOf(png, Math.min(60, png.length / 2)));
        Files.writeString(dir.resolve("red/notes.txt"), "not an image");
        return dir;
    }

    static List<Path> bad(Path dir) {
        return List.of(dir.resolve("blue/truncated.png"), dir.resolve("red/garbage.jpg"), dir.resolve("red/notes.txt"));
    }
}
