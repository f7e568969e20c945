package org.transferkit.runtime;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every copy of GNU OpenMP loaded in this process (ND4J's natives, the oneDNN presets and OpenBLAS each bring their
 * own, see {@link NativeThreads}), to set the OpenMP thread count of the calling thread in all of them at once.
 * OpenMP keeps that count per thread, so a thread of the caller's own that runs many tiny native calls (a head search's
 * fold) can ask for one thread per call in every library without changing what other threads use. Found from
 * {@code /proc/self/maps} (Linux); elsewhere, or if the C library cannot be called, there are none and
 * {@link #setThreadsHere} does nothing. Immutable; the copies loaded after {@link #find()} are not included.
 */
public final class OpenMpCopies {
    private final List<Function> setNumThreads;
    private final List<String> paths;

    private OpenMpCopies(List<Function> setNumThreads, List<String> paths) {
        this.setNumThreads = List.copyOf(setNumThreads);
        this.paths = List.copyOf(paths);
    }

    /** @return the copies loaded now (none where they cannot be found or called) */
    public static OpenMpCopies find() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return new OpenMpCopies(List.of(), List.of());
        }
        Set<String> found = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(maps)) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.substring(line.lastIndexOf('/') + 1).startsWith("libgomp")) {
                    found.add(line.substring(slash).strip());
                }
            }
        } catch (IOException e) {
            return new OpenMpCopies(List.of(), List.of());
        }
        List<Function> fs = new ArrayList<>();
        List<String> ok = new ArrayList<>();
        for (String p : found) {
            try {
                fs.add(NativeLibrary.getInstance(p).getFunction("omp_set_num_threads"));
                ok.add(p);
            } catch (RuntimeException | LinkageError e) {
                // not callable (deleted file, foreign architecture): that copy keeps its own setting
            }
        }
        return new OpenMpCopies(fs, ok);
    }

    /**
     * Sets the OpenMP thread count of the calling thread in every copy found.
     *
     * @param n threads per parallel region, >= 1
     * @throws IllegalArgumentException if {@code n} < 1
     */
    public void setThreadsHere(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("OpenMP threads must be >= 1, got " + n);
        }
        for (Function f : setNumThreads) {
            f.invokeVoid(new Object[] {n});
        }
    }

    /** @return the library files of the copies found */
    public List<String> paths() {
        return paths;
    }
}
