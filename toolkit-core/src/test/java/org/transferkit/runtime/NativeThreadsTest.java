package org.transferkit.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OpenMP wait policy: a user's own setting is kept; otherwise it is set in the process environment. */
class NativeThreadsTest {
    @Test
    void keepsTheUsersSettingElseSetsPassive() {
        assertEquals("kept: OMP_WAIT_POLICY=ACTIVE", NativeThreads.waitPassively(Map.of("OMP_WAIT_POLICY", "ACTIVE")));
        assertEquals("kept: GOMP_SPINCOUNT=1000", NativeThreads.waitPassively(Map.of("GOMP_SPINCOUNT", "1000")));
        String r = NativeThreads.waitPassively(Map.of());
        assertTrue(r.equals("set") || r.startsWith("unavailable: "), r);
        if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            assertEquals("set", r);
        }
    }
}
