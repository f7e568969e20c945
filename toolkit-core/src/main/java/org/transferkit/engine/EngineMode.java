package org.transferkit.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How frozen layers are run: which executor the compiled engine uses, or DL4J alone. Callers pass it to
 * {@link Engine}, {@link Runner} and {@link CompiledGraph}; the engine never reads it from anywhere else.
 */
public enum EngineMode {
    /** The default: oneDNN on ND4J's CPU backend where its natives load, ND4J's own operations on CUDA, else DL4J. */
    AUTO,
    /** Always the oneDNN executor (graphs it cannot run fall back to DL4J, with the reason logged). */
    ONEDNN,
    /** Always ND4J's own operations, on whatever backend is loaded. */
    ND4J,
    /** The engine off: every layer runs on DL4J. */
    DL4J;

    /**
     * @param name {@code auto}, {@code onednn}, {@code nd4j} or {@code dl4j}, any case, surrounding blanks ignored
     * @return the mode
     * @throws IllegalArgumentException if {@code name} is null or not one of those; the message names the bad value
     *     and the valid ones
     */
    public static EngineMode parse(String name) {
        if (name != null) {
            for (EngineMode m : values()) {
                if (m.id().equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("unknown engine mode '" + name + "'; valid: "
                + Arrays.stream(values()).map(EngineMode::id).collect(Collectors.joining(", "))
                + " (auto: oneDNN on the CPU, ND4J's operations elsewhere; dl4j: engine off)");
    }

    /** @return the lower-case name {@link #parse} accepts, e.g. {@code onednn} */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
