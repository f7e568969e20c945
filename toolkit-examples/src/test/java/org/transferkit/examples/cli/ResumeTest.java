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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.zoo.DemoShapes;

/** A training JVM killed with SIGKILL resumes from its checkpoint and ends exactly like an uninterrupted run. */
class ResumeTest {
    @TempDir
    Path tmp;

    /** A run to kill: its extra flags, the epoch line at which to kill it, its epochs in all, its checkpoint. */
    enum Scenario {
        /** Phase 1: the head on cached features. */
        HEAD(List.of("--epochs", "400", "--hidden", "32", "--dropout", "0.3"), 20, 400, "checkpoint/head"),
        /** Phase 2: after 3 head epochs, the top block end to end (killed in phase 2). */
        UNFROZEN(List.of("--epochs", "3", "--hidden", "32", "--dropout", "0.3", "--unfreeze", "1",
                "--unfreeze-epochs", "30"), 12, 33, "checkpoint/end-to-end"),
        /** A small CNN trained from scratch. */
        FROM_SCRATCH(List.of("--backbone", "scratch-cnn", "--input-size", "32", "--epochs", "30"), 10, 30,
                "checkpoint/from-scratch");

        final List<String> flags;
        final int killAt;
        final int epochs;
        final String checkpoint;

        Scenario(List<String> flags, int killAt, int epochs, String checkpoint) {
            this.flags = flags;
            this.killAt = killAt;
            this.epochs = epochs;
            this.checkpoint = checkpoint;
        }
    }

    private static List<String> args(Scenario s, Path data, Path out) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--no-feature-cache", "--no-baseline",
                "--out", out.toString()));
        a.addAll(s.flags);
        return a;
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void killedRunResumesToTheSameResult(Scenario s) throws Exception {
        Path data = DemoShapes.writeDataset(tmp.resolve("data"), DemoShapes.Task.TARGET, 15, 9);
        Path killedOut = tmp.resolve("killed/c.zip");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TransferKitCli.class.getName()));
        cmd.addAll(args(s, data, killedOut));
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        boolean killed = false;
        String killLine = String.format(java.util.Locale.ROOT, "epoch %3d ", s.killAt);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith(killLine)) {
                    assertTrue(child.isAlive(), "killed mid-run, not after it ended");
                    child.destroyForcibly(); // SIGKILL: no shutdown hooks, no chance to tidy up
                    killed = true;
                    break;
                }
            }
        }
        assertTrue(killed, "the child reached epoch " + s.killAt);
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.isRegularFile(killedOut.resolveSibling(s.checkpoint + "/state.json")));

        List<String> resume = new ArrayList<>(args(s, data, killedOut));
        resume.add("--resume");
        CliTest.Run resumed = CliTest.cli(resume.toArray(new String[0]));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resumed from the checkpoint after epoch"), resumed.out());

        Path straightOut = tmp.resolve("straight/c.zip");
        CliTest.Run straight = CliTest.cli(args(s, data, straightOut).toArray(new String[0]));
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
        assertEquals(s.epochs, log.size(), "the JSON-lines log holds every epoch once across the kill");
    }
}
