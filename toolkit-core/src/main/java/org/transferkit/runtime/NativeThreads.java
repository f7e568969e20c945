package org.transferkit.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Map;

/**
 * How the native libraries' OpenMP threads wait between parallel regions. ND4J's natives, the oneDNN presets and
 * OpenBLAS each load their own copy of GNU OpenMP, and by default each copy's idle threads spin for a while after
 * every parallel region; with three copies taking turns on the same cores (ND4J, then the engine's oneDNN, then
 * ND4J again, every training step), each copy's spinning threads steal the cores the next one needs, and a shared
 * or busy machine makes it far worse. Waiting passively ({@code OMP_WAIT_POLICY=PASSIVE}) removes that. OpenMP reads
 * the setting when each copy loads, so {@link #waitPassively} must run before anything touches ND4J or the engine:
 * the first line of a {@code main}. Stateless.
 */
public final class NativeThreads {
    /** The environment variable GNU OpenMP reads. */
    public static final String WAIT_POLICY = "OMP_WAIT_POLICY";

    private interface C extends Library {
        int setenv(String name, String value, int overwrite);
    }

    private NativeThreads() {
    }

    /**
     * Sets {@code OMP_WAIT_POLICY=PASSIVE} in this process's environment unless the user set a wait policy
     * ({@code OMP_WAIT_POLICY} or {@code GOMP_SPINCOUNT}) already, which is then left as it is.
     *
     * @param env this process's environment as Java sees it ({@code System.getenv()})
     * @return what was done, for a log line: {@code set}, {@code kept: OMP_WAIT_POLICY=...}, or {@code unavailable:
     *     reason} (not Linux or macOS, or the C library could not be called; nothing changes then)
     */
    public static String waitPassively(Map<String, String> env) {
        for (String k : new String[] {WAIT_POLICY, "GOMP_SPINCOUNT"}) {
            if (env.get(k) != null) {
                return "kept: " + k + "=" + env.get(k);
            }
        }
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        if (!os.contains("linux") && !os.contains("mac")) {
            return "unavailable: " + os;
        }
        try {
            C c = Native.loadLibrary("c", C.class);
            return c.setenv(WAIT_POLICY, "PASSIVE", 0) == 0 ? "set" : "unavailable: setenv failed";
        } catch (RuntimeException | LinkageError e) {
            return "unavailable: " + e;
        }
    }
}
