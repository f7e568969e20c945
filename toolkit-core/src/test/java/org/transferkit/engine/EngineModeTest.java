package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EngineModeTest {
    @Test
    void parsesEveryModeInAnyCaseAndRefusesOthersNamingTheValidOnes() {
        for (EngineMode m : EngineMode.values()) {
            assertEquals(m, EngineMode.parse(m.id()));
            assertEquals(m, EngineMode.parse(" " + m.name() + " "));
        }
        for (String bad : new String[] {"turbo", "", "one dnn"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineMode.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("valid: auto, onednn, nd4j, dl4j"),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> EngineMode.parse(null));
    }

    @Test
    void onlyDl4jTurnsTheEngineOff() {
        for (EngineMode m : EngineMode.values()) {
            assertEquals(m != EngineMode.DL4J, Engine.enabled(m), m.id());
        }
        assertEquals(Engine.Executor.ONEDNN, Engine.executor(EngineMode.ONEDNN));
        assertEquals(Engine.Executor.ND4J, Engine.executor(EngineMode.ND4J));
    }
}
