package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench models} prints one line per model and mode and writes the same as JSON (no timing asserted). */
class BenchModelsTest {
    @TempDir
    Path tmp;

    @Test
    void oneLinePerModelAndModeAndJson() throws Exception {
        Path json = tmp.resolve("b.json");
        CliTest.Run r = CliTest.cli("bench", "models", "--model", "lenet,simplecnn", "--batch", "2", "--iterations", "1",
                "--warmup", "0", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        long lines = r.out().lines().filter(l -> l.startsWith("model=")).count();
        assertEquals(6, lines, r.out());
        assertTrue(r.out().contains("model=lenet mode=full_step batch=2 input=1x28x28 images_per_s="), r.out());
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        assertEquals(6, n.size());
        assertTrue(n.get(0).get("images_per_s").asDouble() > 0);
        assertEquals(2, CliTest.cli("bench", "models", "--mode", "fast").code());
    }

    @Test
    void partialStepNamesItsBoundaryAndTrainableLayers() throws Exception {
        CliTest.Run r = CliTest.cli("bench", "models", "--model", "simplecnn", "--mode", "partial_step", "--unfreeze", "1",
                "--batch", "2", "--iterations", "1", "--warmup", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("model=simplecnn mode=partial_step batch=2 input=3x48x48 images_per_s="), r.out());
        assertTrue(r.out().contains(" trainable=") && r.out().contains(" boundary="), r.out());
        assertTrue(r.out().contains(",tk_output"), r.out());
    }
}
