package org.transferkit.engine;

import java.util.Locale;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transferkit.data.InputShape;

/**
 * Where the compiled engine is used. On by default wherever it can run: ND4J's CPU backend, with
 * oneDNN's natives for this platform (linux-x86_64, linux-arm64, macosx-x86_64, windows-x86_64).
 * Off with {@code -Dtransferkit.engine=dl4j} or the environment variable {@code TRANSFERKIT_ENGINE=dl4j};
 * then every layer runs on DL4J as before. A graph the engine does not cover runs on DL4J too, and the
 * reason is logged. Stateless apart from a once-computed availability; thread-safe.
 */
public final class Engine {
    /** System property choosing the engine: {@code onednn} (default) or {@code dl4j}. */
    public static final String PROPERTY = "transferkit.engine";
    /** Environment variable with the same meaning; the system property wins. */
    public static final String ENV = "TRANSFERKIT_ENGINE";

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static volatile String unavailable;
    private static volatile boolean checked;

    private Engine() {
    }

    /**
     * @return true unless the switch says {@code dl4j}
     * @throws IllegalArgumentException if the switch has a value other than {@code onednn} or {@code dl4j}
     */
    public static boolean enabled() {
        String v = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (v == null || v.isBlank()) {
            v = System.getenv(ENV);
            source = ENV;
        }
        if (v == null || v.isBlank()) {
            return true;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "onednn" -> true;
            case "dl4j" -> false;
            default -> throw new IllegalArgumentException(source + "=" + v + " is not an engine; use onednn (default) or dl4j");
        };
    }

    /** @return true if the engine can run here (CPU backend, oneDNN natives load) */
    public static boolean available() {
        return unavailableReason() == null;
    }

    /** @return why the engine cannot run here, or null if it can */
    public static String unavailableReason() {
        if (!checked) {
            synchronized (Engine.class) {
                if (!checked) {
                    unavailable = probe();
                    checked = true;
                }
            }
        }
        return unavailable;
    }

    private static String probe() {
        String backend = Nd4j.getBackend().getClass().getName();
        if (!backend.toLowerCase(Locale.ROOT).contains("cpu")) {
            return "ND4J backend " + backend + " is not the CPU backend (the engine runs on the CPU)";
        }
        try {
            Loader.load(org.bytedeco.dnnl.global.dnnl.class);
            return null;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            return "oneDNN natives for " + Loader.getPlatform() + " did not load (" + e + ")";
        }
    }

    /**
     * Compiles {@code graph} up to {@code vertex} when the engine is on and covers it.
     *
     * @param graph an initialized graph; only read
     * @param vertex the vertex whose activations are wanted
     * @param input the per-example input shape
     * @return the compiled graph (close it), or empty to run on DL4J; the reason is logged
     * @throws IllegalArgumentException if {@code vertex} is not in the graph, or the switch has a bad value
     */
    public static Optional<CompiledGraph> tryCompile(ComputationGraph graph, String vertex, InputShape input) {
        if (!enabled()) {
            LOG.debug("engine switched off ({}=dl4j): DL4J runs every layer", PROPERTY);
            return Optional.empty();
        }
        if (!available()) {
            LOG.info("compiled engine not available, DL4J runs every layer: {}", unavailableReason());
            return Optional.empty();
        }
        try {
            return Optional.of(CompiledGraph.compile(graph, vertex, input));
        } catch (UnsupportedOperationException e) {
            LOG.info("compiled engine does not cover this graph, DL4J runs it: {}", e.getMessage());
            return Optional.empty();
        } catch (IllegalStateException e) {
            LOG.warn("compiled engine failed to build this graph, DL4J runs it", e);
            return Optional.empty();
        }
    }
}
