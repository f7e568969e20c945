package org.transferkit.engine;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transferkit.model.InputShape;

/**
 * Where the compiled engine is used, and what executes it, for a given {@link EngineMode}. In mode
 * {@link EngineMode#AUTO} (the default): with the oneDNN executor on ND4J's CPU backend where oneDNN's natives
 * exist (linux-x86_64, linux-arm64, macosx-x86_64, windows-x86_64), with ND4J's own operations elsewhere (the
 * CUDA backend, where they run on cuDNN). {@link EngineMode#DL4J} turns the engine off and every layer runs on
 * DL4J. A graph the engine does not cover runs on DL4J too, and the reason is logged. The mode is always passed
 * in: this class reads no system property or environment variable. Stateless apart from a once-computed
 * availability; thread-safe.
 */
public final class Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static volatile String unavailable;
    private static volatile boolean checked;

    private Engine() {
    }

    /** What runs compiled layers. */
    public enum Executor {
        /** oneDNN primitives with fused, blocked-layout execution: ND4J's CPU backend with oneDNN's natives. */
        ONEDNN,
        /** ND4J's own operations on the loaded backend (cuDNN on the CUDA backend's {@code -cudnn} build). */
        ND4J
    }

    /**
     * @param mode the engine mode
     * @return true unless {@code mode} is {@link EngineMode#DL4J}
     */
    public static boolean enabled(EngineMode mode) {
        return Objects.requireNonNull(mode, "mode") != EngineMode.DL4J;
    }

    /**
     * @param mode the engine mode; {@link EngineMode#AUTO} (and {@link EngineMode#DL4J}, whose executor is never
     *     used) picks oneDNN where it is available and ND4J's own operations elsewhere ({@link #tryCompile} uses
     *     those only off the CPU: on the CUDA backend); {@code ONEDNN} and {@code ND4J} force one
     * @return the executor the mode asks for
     */
    public static Executor executor(EngineMode mode) {
        return switch (Objects.requireNonNull(mode, "mode")) {
            case ND4J -> Executor.ND4J;
            case ONEDNN -> Executor.ONEDNN;
            case AUTO, DL4J -> available() ? Executor.ONEDNN : Executor.ND4J;
        };
    }

    /** @return true if the oneDNN executor can run here (CPU backend, oneDNN natives load) */
    public static boolean available() {
        return unavailableReason() == null;
    }

    /** @return why the oneDNN executor cannot run here, or null if it can */
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

    private static boolean cpuBackend() {
        return Nd4j.getBackend().getClass().getName().toLowerCase(Locale.ROOT).contains("cpu");
    }

    private static String probe() {
        String backend = Nd4j.getBackend().getClass().getName();
        if (!cpuBackend()) {
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
     * Compiles {@code graph} up to {@code vertex} when {@code mode} turns the engine on and it covers the graph.
     *
     * @param graph an initialized graph; only read
     * @param vertex the vertex whose activations are wanted
     * @param input the per-example input shape
     * @param mode the engine mode
     * @return the compiled graph (close it), or empty to run on DL4J; the reason is logged
     * @throws IllegalArgumentException if {@code vertex} is not in the graph
     */
    public static Optional<CompiledGraph> tryCompile(ComputationGraph graph, String vertex, InputShape input,
            EngineMode mode) {
        if (!enabled(mode)) {
            LOG.debug("engine mode dl4j: DL4J runs every layer");
            return Optional.empty();
        }
        Executor executor = executor(mode);
        if (executor == Executor.ONEDNN && !available()) {
            LOG.info("oneDNN executor not available, DL4J runs every layer: {}", unavailableReason());
            return Optional.empty();
        }
        if (executor == Executor.ND4J && mode == EngineMode.AUTO && cpuBackend()) {
            // measured here: on the CPU, ND4J's operations beat DL4J on ResNet50 but not on SqueezeNet; keep DL4J
            LOG.info("oneDNN executor not available on this CPU, DL4J runs every layer (engine mode nd4j uses ND4J's "
                    + "operations): {}", unavailableReason());
            return Optional.empty();
        }
        try {
            return Optional.of(CompiledGraph.compile(graph, vertex, input, executor));
        } catch (UnsupportedOperationException e) {
            LOG.info("compiled engine does not cover this graph, DL4J runs it: {}", e.getMessage());
            return Optional.empty();
        } catch (IllegalStateException e) {
            LOG.warn("compiled engine failed to build this graph, DL4J runs it", e);
            return Optional.empty();
        }
    }
}
