package org.transferkit.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The OpenMP thread count oneDNN uses on the calling thread: {@code omp_get_max_threads} and
 * {@code omp_set_num_threads} of the OpenMP copy the loaded oneDNN library is linked to (looked up through oneDNN's
 * own library, so ND4J's and OpenBLAS's copies are never touched). OpenMP keeps the count per thread. Found from
 * {@code /proc/self/maps} once oneDNN's natives are loaded (Linux); elsewhere {@link #available} is false. Stateless
 * apart from the lookup, made once.
 */
final class DnnlThreads {
    private static final Function[] FUNCTIONS = find();

    private DnnlThreads() {
    }

    private static Function[] find() {
        Path maps = Path.of("/proc/self/maps");
        try {
            Engine.available(); // loads oneDNN's natives if they can be
            List<String> lines = Files.isReadable(maps) ? Files.readAllLines(maps) : List.of();
            for (String line : lines) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.substring(line.lastIndexOf('/') + 1).startsWith("libdnnl.so")) {
                    NativeLibrary dnnl = NativeLibrary.getInstance(line.substring(slash).strip());
                    return new Function[] {dnnl.getFunction("omp_get_max_threads"), dnnl.getFunction("omp_set_num_threads")};
                }
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            return null; // not Linux, or not callable: plans then never split a batch
        }
        return null;
    }

    /** @return true if the count can be read and set here */
    static boolean available() {
        return FUNCTIONS != null;
    }

    /** @return oneDNN's OpenMP threads for the calling thread ({@code OMP_NUM_THREADS}, or the cores); 1 if unavailable */
    static int max() {
        return FUNCTIONS == null ? 1 : FUNCTIONS[0].invokeInt(new Object[0]);
    }

    /**
     * Sets oneDNN's OpenMP threads for the calling thread; does nothing if unavailable.
     *
     * @param n threads, >= 1
     * @throws IllegalArgumentException if {@code n} < 1
     */
    static void set(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("OpenMP threads must be >= 1, got " + n);
        }
        if (FUNCTIONS != null) {
            FUNCTIONS[1].invokeVoid(new Object[] {n});
        }
    }
}
