package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TransferKitException;

/** Issue 18, problem 8: a damaged checkpoint says what to do about it. */
class CheckpointAdviceTest {
    @TempDir
    Path tmp;

    @Test
    void aDamagedCheckpointAdvisesDeletingTheFolderOrDroppingResume() throws Exception {
        Checkpoints none = new Checkpoints(tmp.resolve("empty"), "fp");
        assertNull(none.load(), "no checkpoint: nothing to resume");
        Path dir = Files.createDirectories(tmp.resolve("checkpoint"));
        Files.writeString(dir.resolve("state.json"), "{\"fingerprint\":\"fp\",\"epoch\":");
        TransferKitException e = assertThrows(TransferKitException.class, () -> new Checkpoints(dir, "fp").load());
        assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
        assertTrue(e.getMessage().contains("delete the folder " + dir.toAbsolutePath()), e.getMessage());
        assertTrue(e.getMessage().contains("run without --resume"), e.getMessage());
    }
}
