package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.transferkit.WeightsException;
import org.transferkit.engine.EngineMode;
import org.transferkit.runtime.RuntimeOptions;

class EnvironmentTest {
    @Test
    void nothingSetGivesTheDefaults() {
        assertEquals(RuntimeOptions.defaults(), Environment.runtimeOptions(Map.of(), Map.of()));
        assertEquals(RuntimeOptions.defaults(), Environment.runtimeOptions(Map.of(Environment.ENGINE_PROPERTY, " "),
                Map.of(Environment.ENGINE_ENV, "")), "blank means unset");
    }

    @Test
    void environmentVariablesSetEveryOption() {
        RuntimeOptions o = Environment.runtimeOptions(Map.of(), Map.of(Environment.ENGINE_ENV, "DL4J",
                Environment.CPU_HELPERS_ENV, "false", Environment.WEIGHTS_DIR_ENV, "/w",
                Environment.ZOO_BASE_URL_ENV, "http://127.0.0.1:9/m"));
        assertEquals(EngineMode.DL4J, o.engine());
        assertFalse(o.cpuHelpers());
        assertEquals(Path.of("/w"), o.weightsDir());
        assertEquals("http://127.0.0.1:9/m/", o.zooBaseUrl());
    }

    @Test
    void systemPropertiesWinOverEnvironmentVariables() {
        RuntimeOptions o = Environment.runtimeOptions(Map.of(Environment.ENGINE_PROPERTY, "nd4j",
                Environment.CPU_HELPERS_PROPERTY, "on", Environment.WEIGHTS_DIR_PROPERTY, "/p",
                Environment.DL4J_RESOURCES_PROPERTY, "/dl4j"),
                Map.of(Environment.ENGINE_ENV, "dl4j", Environment.CPU_HELPERS_ENV, "false",
                        Environment.WEIGHTS_DIR_ENV, "/e"));
        assertEquals(EngineMode.ND4J, o.engine());
        assertTrue(o.cpuHelpers());
        assertEquals(Path.of("/p"), o.weightsDir());
        assertEquals(Path.of("/dl4j", "models"), o.dl4jModelsDir());
    }

    @Test
    void badValuesNameTheirSourceTheValueAndTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Environment.runtimeOptions(Map.of(), Map.of(Environment.ENGINE_ENV, "turbo")));
        assertTrue(e.getMessage().startsWith("TRANSFERKIT_ENGINE=turbo: ")
                && e.getMessage().contains("auto, onednn, nd4j, dl4j"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Environment.runtimeOptions(Map.of(Environment.CPU_HELPERS_PROPERTY, "maybe"), Map.of()));
        assertTrue(e.getMessage().startsWith("-Dtransferkit.cpu.helpers=maybe: ")
                && e.getMessage().contains("true, false"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Environment.runtimeOptions(Map.of(), Map.of(Environment.ZOO_BASE_URL_ENV, "ftp://x")));
        assertTrue(e.getMessage().startsWith("TRANSFERKIT_ZOO_BASE_URL=ftp://x: "), e.getMessage());
    }

    @Test
    void announcePrintsOneRuntimeLine() {
        StringWriter w = new StringWriter();
        RuntimeOptions o = Environment.announce(new PrintWriter(w));
        assertEquals("runtime: " + o.describe() + System.lineSeparator(), w.toString());
    }

    @Test
    void libraryMessagesGetTheCommandLinesWordsAdded() {
        String hint = TransferKitCli.commandLineHint(new WeightsException("weights for backbone 'resnet50' not found"));
        assertTrue(hint.contains("--weights FILE") && hint.contains(Environment.WEIGHTS_DIR_ENV)
                && hint.contains("transferkit models fetch resnet50"), hint);
        assertTrue(TransferKitCli.commandLineHint(new IllegalStateException("device cpu: ND4J loaded the CUDA backend, "
                + "not CPU. start it with BACKEND_PRIORITY_CPU=100 BACKEND_PRIORITY_GPU=0")).contains("--device"));
        assertEquals("", TransferKitCli.commandLineHint(new IllegalStateException("other")));
    }
}
