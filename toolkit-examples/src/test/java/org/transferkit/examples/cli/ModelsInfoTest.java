package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.zoo.DemoShapes;

/**
 * {@code models info} prints its layer table to a terminal: the CLI writes through an auto-flushing
 * {@link PrintWriter} over a byte stream, as {@link TransferKitCli#run} does over {@code System.out}, and the
 * output is read without flushing it here.
 */
class ModelsInfoTest {
    @TempDir
    static Path tmp;

    /** Runs the CLI the way {@code main} does: writers over byte streams, not flushed by the caller. */
    static String terminal(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TransferKitCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void backboneInfoPrintsTheLayerTable() {
        String out = terminal("models", "info", "demo");
        String layers = out.substring(out.indexOf("layers:"));
        assertTrue(layers.lines().anyMatch(l -> l.startsWith("conv1 ") && l.contains("ConvolutionLayer")
                && l.contains("448")), out);
        assertTrue(layers.contains("total params"), out);
    }

    @Test
    void savedModelInfoPrintsTheLayerTable() throws Exception {
        Path data = DemoShapes.writeDataset(tmp.resolve("shapes"), DemoShapes.Task.TARGET, 12, 1);
        Path model = tmp.resolve("model.zip");
        CliTest.Run t = CliTest.cli("train", "--data", data.toString(), "--epochs", "1", "--no-feature-cache",
                "--no-baseline", "--out", model.toString());
        assertEquals(0, t.code(), t.err());
        String out = terminal("models", "info", model.toString());
        assertTrue(out.contains("task          single-label"), out);
        String layers = out.substring(out.indexOf("layers:"));
        assertTrue(layers.lines().anyMatch(l -> l.startsWith("conv1 ") && l.contains("448")), out);
        assertTrue(layers.contains("total params"), out);
    }
}
