package org.transferkit.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.transferkit.engine.EngineMode;

class RuntimeOptionsTest {
    private static final Path HOME = Path.of(System.getProperty("user.home"));

    @Test
    void defaultsAreTheDocumentedOnes() {
        RuntimeOptions d = RuntimeOptions.defaults();
        assertEquals(Device.AUTO, d.device());
        assertEquals(EngineMode.AUTO, d.engine());
        assertTrue(d.cpuHelpers());
        assertEquals(HOME.resolve(".transferkit/weights"), d.weightsDir());
        assertEquals(HOME.resolve(".transferkit/features"), d.featureCacheDir());
        assertEquals(HOME.resolve(".deeplearning4j/models"), d.dl4jModelsDir());
        assertEquals(RuntimeOptions.DL4J_ZOO_BASE_URL, d.zooBaseUrl());
        assertEquals(d, RuntimeOptions.builder().build());
        assertEquals("engine auto, cpu helpers on, device auto, weights ~/.transferkit/weights, features "
                + "~/.transferkit/features, zoo " + RuntimeOptions.DL4J_ZOO_BASE_URL + ", dl4j models ~/.deeplearning4j/models",
                d.describe());
        assertEquals(d.describe(), d.toString());
    }

    /** The library's defaults ignore the variables and properties the command line reads. */
    @Test
    void defaultsIgnoreSystemProperties() {
        String[] names = {"transferkit.engine", "transferkit.cpu.helpers", "transferkit.weights.dir",
            "transferkit.zoo.baseUrl", "org.deeplearning4j.resources.directory"};
        String[] values = {"dl4j", "false", "/elsewhere/weights", "http://mirror.invalid/", "/elsewhere/dl4j"};
        try {
            for (int i = 0; i < names.length; i++) {
                assertEquals(null, System.getProperty(names[i]), names[i] + " set before the test");
                System.setProperty(names[i], values[i]);
            }
            RuntimeOptions d = RuntimeOptions.builder().build();
            assertEquals(EngineMode.AUTO, d.engine());
            assertTrue(d.cpuHelpers());
            assertEquals(HOME.resolve(".transferkit/weights"), d.weightsDir());
            assertEquals(RuntimeOptions.DL4J_ZOO_BASE_URL, d.zooBaseUrl());
            assertEquals(HOME.resolve(".deeplearning4j/models"), d.dl4jModelsDir());
            assertEquals(d, RuntimeOptions.defaults());
        } finally {
            for (String n : names) {
                System.clearProperty(n);
            }
        }
    }

    @Test
    void theBuilderSetsEveryOptionAndDerivesWithoutChangingTheOriginal() {
        RuntimeOptions o = RuntimeOptions.builder().device(Device.CPU).engine(EngineMode.DL4J).cpuHelpers(false)
                .weightsDir(Path.of("/w")).featureCacheDir(Path.of("/f")).dl4jModelsDir(Path.of("/d/models"))
                .zooBaseUrl(" http://127.0.0.1:8080/mirror ").build();
        assertEquals(Device.CPU, o.device());
        assertEquals(EngineMode.DL4J, o.engine());
        assertFalse(o.cpuHelpers());
        assertEquals(Path.of("/w"), o.weightsDir());
        assertEquals(Path.of("/f"), o.featureCacheDir());
        assertEquals(Path.of("/d/models"), o.dl4jModelsDir());
        assertEquals("http://127.0.0.1:8080/mirror/", o.zooBaseUrl(), "trimmed, a folder");
        assertEquals("engine dl4j, cpu helpers off, device cpu, weights /w, features /f, zoo http://127.0.0.1:8080/mirror/, "
                + "dl4j models /d/models", o.describe());
        assertEquals(o, o.toBuilder().build());
        assertEquals(o.hashCode(), o.toBuilder().build().hashCode());
        RuntimeOptions cuda = o.toBuilder().device(Device.CUDA).build();
        assertEquals(Device.CUDA, cuda.device());
        assertEquals(Device.CPU, o.device());
        assertNotEquals(o, cuda);
    }

    @Test
    void theBuilderRefusesBadValuesNamingThem() {
        RuntimeOptions.Builder b = RuntimeOptions.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.zooBaseUrl("ftp://x/"));
        assertTrue(e.getMessage().contains("'ftp://x/'") && e.getMessage().contains("http://"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.zooBaseUrl("http://bad host/"));
        assertThrows(NullPointerException.class, () -> b.device(null));
        assertThrows(NullPointerException.class, () -> b.engine(null));
        assertThrows(NullPointerException.class, () -> b.weightsDir(null));
        assertEquals(RuntimeOptions.defaults(), b.build(), "a refused value changes nothing");
    }
}
