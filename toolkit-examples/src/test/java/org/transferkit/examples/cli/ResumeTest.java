package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.zoo.DemoShapes;

/** A training JVM killed with SIGKILL resumes from its checkpoint and ends exactly like an uninterrupted run. */
class ResumeTest {
    @TempDir
    Path tmp;

    private List<String> args(Path data, Path out) {
        return List.of("train", "--data", data.toString(), "--epochs", "400", "--hidden", "32", "--dropout", "0.3",
                "--no-feature-cache", "--no-baseline", "--out", out.toString());
    }

    @Test
    void killedRunResumesToTheSameResult() throws Exception {
        Path data = DemoShapes.writeDataset(tmp.resolve("data"), DemoShapes.Task.TARGET, 15, 9);
        Path killedOut = tmp.resolve("killed/c.zip");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TransferKitCli.class.getName()));
        cmd.addAll(args(data, killedOut));
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        boolean killed = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith("epoch  20 ")) {
                    assertTrue(child.isAlive(), "killed mid-run, not after it ended");
                    child.destroyForcibly(); // SIGKILL: no shutdown hooks, no chance to tidy up
                    killed = true;
                    break;
                }
            }
        }
        assertTrue(killed, "the child reached epoch 20");
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.isRegularFile(killedOut.resolveSibling("checkpoint/state.json")));

        List<String> resume = new ArrayList<>(args(data, killedOut));
        resume.add("--resume");
        CliTest.Run resumed = CliTest.cli(resume.toArray(new String[0]));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resumed from the checkpoint after epoch"), resumed.out());

        Path straightOut = tmp.resolve("straight/c.zip");
        CliTest.Run straight = CliTest.cli(args(data, straightOut).toArray(new String[0]));
        assertEquals(0, straight.code(), straight.err());

        try (ClassifierBundle a = ClassifierBundle.load(killedOut); ClassifierBundle b = ClassifierBundle.load(straightOut)) {
            assertArrayEquals(b.graph().params().toFloatVector(), a.graph().params().toFloatVector(),
                    "resumed weights equal the uninterrupted run's");
            assertEquals(b.manifest().training().get("best_epoch"), a.manifest().training().get("best_epoch"));
        }
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(straightOut.resolveSibling("metrics.json").toFile()).get("accuracy").asDouble(),
                json.readTree(killedOut.resolveSibling("metrics.json").toFile()).get("accuracy").asDouble());
        List<String> log = Files.readAllLines(killedOut.resolveSibling("training-log.jsonl"));
        assertEquals(400, log.size(), "the JSON-lines log holds every epoch once across the kill");
    }
}
