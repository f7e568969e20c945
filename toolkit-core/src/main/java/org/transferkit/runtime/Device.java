package org.transferkit.runtime;

import java.util.Arrays;
import java.util.Locale;

/** What the user asked to compute on. */
public enum Device {
    /** CUDA when a usable GPU backend is present, otherwise the CPU (with a one-line warning). */
    AUTO,
    /** The CPU backend (nd4j-native). */
    CPU,
    /** The CUDA backend (nd4j-cuda); fails if it is not usable. */
    CUDA;

    /**
     * @param name {@code auto}, {@code cpu} or {@code cuda}, any case
     * @return the device
     * @throws IllegalArgumentException if unknown; the message lists the valid names
     */
    public static Device parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown device '" + name + "'; valid: "
                    + Arrays.stream(values()).map(v -> v.name().toLowerCase(Locale.ROOT)).toList(), e);
        }
    }
}
